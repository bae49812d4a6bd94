"""litlab.fits: the kinds the command line checks before torch are the ones the data and
models really have, and a pair that cannot fit is refused from the config alone."""

from __future__ import annotations

import pytest

import litlab.data
import litlab.models
from litlab.builders import build_datamodule
from litlab.fits import DATA, MODELS
from tests.conftest import compose_cfg, run_cli
from tests.fakes import write_cifar, write_mnist
from tests.test_timeseries import write_series
from tests.test_yolo_folder import write_folder

# datamodules whose kinds depend on their options: checked once their data is read
OPTION_DEPENDENT = {"LitDataModule", "TabularDataModule", "BundledTableDataModule", "DataSpec"}


def test_every_model_family_declares_its_kinds_in_one_table():
    for name in litlab.models.__all__:
        cls = getattr(litlab.models, name)
        assert (cls.inputs, cls.targets) == MODELS[name], name


def test_every_datamodule_with_fixed_kinds_is_in_the_table():
    assert set(litlab.data.__all__) - OPTION_DEPENDENT == set(DATA)


@pytest.mark.parametrize(
    "choice",
    [
        "digits",
        "mnist",
        "cifar10",
        "cifar100",
        "mnist_detection",
        "yolo_folder",
        "co2",
        "timeseries",
    ],
)
def test_the_table_says_what_each_datamodule_spec_gives(tmp_path, choice, one_thread):
    write_mnist(tmp_path, n_train=200, n_test=40)
    write_cifar(tmp_path, classes=10)
    write_cifar(tmp_path, classes=100)
    write_series(tmp_path / "s.csv")
    write_folder(tmp_path / "yolo", {"train": 4, "val": 2})
    options = {
        "mnist_detection": ["data.train_canvases=8", "data.val_canvases=4", "data.test_canvases=4"],
        "yolo_folder": [f"data.path={tmp_path / 'yolo'}"],
        "timeseries": [f"data.path={tmp_path / 's.csv'}", "data.target=load"],
    }
    cfg = compose_cfg(
        [f"data={choice}", f"paths.data_dir={tmp_path}", *options.get(choice, [])], tmp_path / "run"
    )
    spec = build_datamodule(cfg).spec
    assert DATA[cfg.data._target_.rsplit(".", 1)[-1]] == (spec.input_kind, spec.target)


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        (
            ["model=detector", "data=mnist"],
            "model=detector needs boxes; data=mnist gives class labels.",
        ),
        (
            ["model=forecaster", "data=digits"],
            "model=forecaster needs sequences; data=digits gives images.",
        ),
    ],
)
def test_a_pair_that_cannot_fit_is_refused_before_any_data_is_read(tmp_path, pair, message):
    # no data at data_dir: the refusal comes from the config, not from a loaded spec
    run = f"hydra.run.dir={tmp_path / 'run'}"  # not the clone's outputs/
    result = run_cli("train.py", [*pair, f"paths.data_dir={tmp_path / 'nothing'}", run])
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == f"error: {message}"
