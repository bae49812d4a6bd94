"""predict.py for every task: image files, CSV rows and series CSVs in, predictions out; inputs
that do not fit the model get one sentence. The command line itself is tested with a detector;
the other tasks train tiny models in-process and call `predict` directly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from litlab.data.table_encoding import ColumnTypes, TableEncoder
from litlab.errors import ConfigError, DataError
from litlab.predictions.tables import predict_rows
from litlab.tasks.predict import predict
from litlab.utils.checkpoints import load_model
from litlab.utils.summary import read_summary
from tests.conftest import run_cli, run_train

FAST = ["callbacks.lr_monitor=null", "trainer.max_epochs=3"]
SHORT = [
    "trainer.max_epochs=1",
    "trainer.limit_train_batches=3",
    "trainer.limit_val_batches=1",
    "trainer.limit_test_batches=1",
]

TINY_DETECTION = [
    "model=detector",
    "data=mnist_detection",
    "data.canvas_size=48",
    "data.digit_size=[16,24]",
    "data.digits_per_canvas=[1,2]",
    "data.train_canvases=64",
    "data.val_canvases=16",
    "data.test_canvases=16",
    "trainer.max_epochs=1",
]


@pytest.fixture(scope="module")
def detector_run(tmp_path_factory):
    from tests.conftest import SHARED_DATA, shared_mnist

    data = shared_mnist(SHARED_DATA)
    run = tmp_path_factory.mktemp("detector") / "run"
    result = run_cli(
        "train.py", [*TINY_DETECTION, f"hydra.run.dir={run}"], env={"DATA_DIR": str(data)}
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return run


def test_a_detector_run_leaves_its_figures(detector_run):
    summary = read_summary(detector_run)
    assert summary["status"] == "ok"
    assert {"test/map", "test/map_50", "test/map_75", "val/map_50_best"} <= set(summary["metrics"])
    for name in ("detections", "precision_recall"):
        with Image.open(detector_run / "figures" / f"{name}.png") as image:
            assert image.width > 200 and image.height > 200


def test_predict_writes_boxes_in_each_images_own_pixels(detector_run, tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    canvas = np.zeros((48, 48), dtype=np.uint8)
    canvas[10:30, 12:26] = 255
    Image.fromarray(canvas).save(inputs / "square.png")
    # twice the size and RGB: the boxes come back in this image's pixels
    Image.fromarray(np.kron(canvas, np.ones((2, 2), dtype=np.uint8))).convert("RGB").save(
        inputs / "big.jpg"
    )
    (inputs / "notes.txt").write_text("not an image")
    out = tmp_path / "out"
    result = run_cli(
        "predict.py",
        [
            f"ckpt_path={detector_run / 'checkpoints' / 'last.ckpt'}",
            f"inputs={inputs}",
            f"out={out}",
            "score_threshold=0.0",
        ],
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads((out / "detections.json").read_text())
    assert set(found) == {"square.png", "big.jpg"}
    for name, size in (("square.png", 48), ("big.jpg", 96)):
        assert found[name], "score_threshold=0 keeps the best boxes"
        for det in found[name]:
            assert set(det) == {"box", "class", "name", "score"}
            x1, y1, x2, y2 = det["box"]
            assert 0 <= x1 <= x2 <= size and 0 <= y1 <= y2 <= size
        with Image.open(out / f"{name.split('.')[0]}.png") as drawn:
            assert drawn.size == (size, size)
    # the same image at twice the size gives the same boxes, twice as large
    small = torch.tensor(found["square.png"][0]["box"])
    big = torch.tensor(found["big.jpg"][0]["box"])
    assert torch.allclose(big, 2 * small, atol=2.0)


def test_predict_with_a_classifier_lists_class_probabilities(tmp_path):
    run = tmp_path / "run"
    trained = run_cli("train.py", ["trainer.max_epochs=2", f"hydra.run.dir={run}"])
    assert trained.returncode == 0, trained.stderr[-3000:]
    from sklearn.datasets import load_digits

    digits = load_digits()
    inputs = tmp_path / "digits"
    inputs.mkdir()
    for i in range(20):  # 8x8 digits scaled from 0..16 to 0..255, as image files hold them
        Image.fromarray((digits.images[i] * 255 / 16).round().astype(np.uint8)).save(
            inputs / f"{i:02d}.png"
        )
    out = tmp_path / "out"
    result = run_cli(
        "predict.py",
        [f"ckpt_path={run / 'checkpoints' / 'last.ckpt'}", f"inputs={inputs}", f"out={out}"],
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads((out / "predictions.json").read_text())
    assert len(found) == 20
    assert all(
        sum(p["probabilities"].values()) == pytest.approx(1, abs=1e-3) for p in found.values()
    )
    correct = sum(found[f"{i:02d}.png"]["class"] == digits.target[i] for i in range(20))
    assert correct >= 17  # a 2-epoch digits CNN reads image files as it read its own data


@pytest.mark.parametrize(
    ("inputs", "sentence"),
    [
        ("missing-folder", "is neither an image file nor a folder."),
        ("empty", "holds no images"),
        ("broken", "is not an image that can be read"),
    ],
)
def test_predict_bad_inputs_get_one_sentence(detector_run, tmp_path, inputs, sentence):
    (tmp_path / "empty").mkdir()
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "x.png").write_bytes(b"not a png")
    result = run_cli(
        "predict.py",
        [f"ckpt_path={detector_run / 'checkpoints' / 'last.ckpt'}", f"inputs={tmp_path / inputs}"],
    )
    assert result.returncode == 1
    assert sentence in result.stderr and "Traceback" not in result.stderr


# ---------------------------------------------------------------------------- in-process helpers
def run_predict(overrides: list[str], tmp_path) -> Path:
    """predict.py with these overrides, in this process (errors raise instead of exiting)."""
    from hydra import compose, initialize_config_dir

    from litlab.conf_dir import conf_dir

    with initialize_config_dir(conf_dir(), version_base="1.3"):
        return predict(compose("predict", overrides=overrides))


def trained(tmp_path_factory, name: str, overrides: list[str]) -> dict:
    """A tiny in-process training run; its summary plus `run` (the folder) and `model`."""
    run = tmp_path_factory.mktemp(name) / "run"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny nets: more threads only contend
    try:
        result = run_train(overrides, run)
    finally:
        torch.set_num_threads(threads)
    assert result["status"] == "ok", result.get("error")
    return {**result, "run": run, "model": load_model(result["best_checkpoint"], "cpu")}


def datamodule(summary: dict):
    """The run's own datamodule, set up as in training."""
    import hydra.utils

    config = torch.load(summary["best_checkpoint"], weights_only=True)["litlab_config"]
    data = hydra.utils.instantiate(config["data"])
    data.setup("test")
    return data


# ---------------------------------------------------------------------------- tables
@pytest.fixture(scope="module")
def wine(tmp_path_factory):
    return trained(tmp_path_factory, "wine", ["data=wine", *FAST])


@pytest.fixture(scope="module")
def diabetes(tmp_path_factory):
    return trained(tmp_path_factory, "diabetes", ["data=diabetes", *FAST])


def test_the_checkpoint_rebuilds_the_training_encoder_exactly(wine):
    data = datamodule(wine)
    test_rows = data.load_frame().iloc[data.splits["test"]]
    encoder = TableEncoder.from_state(wine["model"].spec.extra["encoder"], "wine")
    x_num, x_cat = encoder.transform(test_rows)
    expected_num, expected_cat, _ = data.test_set.tensors
    assert torch.equal(x_num, expected_num) and torch.equal(x_cat, expected_cat)
    # plain values only: the checkpoint stays readable with weights_only=True
    hparams = torch.load(wine["best_checkpoint"], weights_only=True)["hyper_parameters"]
    assert hparams["spec"]["extra"]["encoder"]["numeric"][0] == "alcohol"


def test_an_unseen_category_is_encoded_as_unknown_as_in_training():
    frame = pd.DataFrame({"colour": ["red", "blue", None, "red"], "size": [1.0, None, 3.0, 4.0]})
    fitted = TableEncoder(ColumnTypes(["size"], ["colour"]), "t").fit(frame)
    rebuilt = TableEncoder.from_state(fitted.state(), "t")
    new = pd.DataFrame({"colour": ["green", "red", None], "size": [None, 2.0, 9.0]})
    for a, b in zip(fitted.transform(new), rebuilt.transform(new), strict=True):
        assert torch.equal(a, b)
    assert rebuilt.transform(new)[1][:, 0].tolist() == [0, 3, 1]  # unknown, red, <missing>


def test_csv_classifier_predictions_reproduce_the_test_accuracy(wine, tmp_path):
    data = datamodule(wine)
    test_rows = data.load_frame().iloc[data.splits["test"]]
    rows = predict_rows(wine["model"], test_rows)
    names = list(wine["model"].spec.class_names)
    assert list(rows.columns) == ["prediction", *(f"p_{n}" for n in names)]
    assert rows.index.equals(test_rows.index)
    accuracy = (rows["prediction"] == test_rows["target"]).mean()
    assert accuracy == pytest.approx(float(wine["metrics"]["test/acc"]), abs=1e-6)
    with torch.no_grad():
        direct = wine["model"](*data.test_set.tensors[:2]).softmax(1).numpy()
    assert np.allclose(rows[[f"p_{n}" for n in names]].to_numpy(), direct, atol=1e-6)

    # the command: a CSV of rows (target and an extra column ignored) -> predictions.csv
    csv = tmp_path / "new_wines.csv"
    test_rows.assign(notes="x").to_csv(csv, index=False)
    out = tmp_path / "out"
    written = run_predict(
        [f"ckpt_path={wine['best_checkpoint']}", f"inputs={csv}", f"out={out}"], tmp_path
    )
    assert written == out / "predictions.csv"
    table = pd.read_csv(written)
    assert list(table.columns) == ["row", "prediction", *(f"p_{n}" for n in names)]
    assert table["row"].tolist() == list(range(len(test_rows)))
    assert table["prediction"].tolist() == rows["prediction"].tolist()


def test_csv_regressor_predicts_in_the_targets_units(diabetes):
    data = datamodule(diabetes)
    test_rows = data.load_frame().iloc[data.splits["test"]]
    rows = predict_rows(diabetes["model"], test_rows.drop(columns="target"))
    assert list(rows.columns) == ["prediction"]
    rmse = float(np.sqrt(((rows["prediction"] - test_rows["target"]) ** 2).mean()))
    assert rmse == pytest.approx(float(diabetes["metrics"]["test/rmse"]), rel=1e-4)


def test_a_csv_missing_a_trained_column_gets_one_sentence_and_no_output(wine, tmp_path):
    csv = tmp_path / "rows.csv"
    data = datamodule(wine)
    data.load_frame().drop(columns=["alcohol", "hue"]).to_csv(csv, index=False)
    out = tmp_path / "out"
    with pytest.raises(DataError) as error:
        run_predict(
            [f"ckpt_path={wine['best_checkpoint']}", f"inputs={csv}", f"out={out}"], tmp_path
        )
    message = str(error.value)
    assert message.startswith(f"{csv} has no column 'alcohol', 'hue', which the model was trained")
    assert message.count(". ") == 0 and message.endswith(").")
    assert not out.exists()
    with pytest.raises(DataError, match="the input rows has no column 'alcohol'"):
        predict_rows(wine["model"], pd.read_csv(csv))


def test_a_table_model_refuses_image_inputs(wine, tmp_path):
    with pytest.raises(ConfigError, match="a model trained on table rows reads a CSV file"):
        run_predict([f"ckpt_path={wine['best_checkpoint']}", f"inputs={tmp_path}"], tmp_path)


# ---------------------------------------------------------------------------- reconstructions
@pytest.fixture(scope="module")
def denoiser(tmp_path_factory):
    return trained(tmp_path_factory, "denoiser", ["model=denoiser", "data=digits", *SHORT])


def digit_files(folder, n: int = 6) -> list:
    """sklearn's first digits as 8x8 grey PNG files, as image files hold them (0..255)."""
    from sklearn.datasets import load_digits

    folder.mkdir(parents=True, exist_ok=True)
    images = load_digits().images[:n]
    for i, image in enumerate(images):
        Image.fromarray((image * 255 / 16).round().astype(np.uint8)).save(folder / f"{i}.png")
    return images


def test_denoiser_writes_reconstructions_that_load_back(denoiser, tmp_path):
    digit_files(tmp_path / "digits")
    out = tmp_path / "out"
    ckpt = denoiser["best_checkpoint"]
    written = run_predict(
        [f"ckpt_path={ckpt}", f"inputs={tmp_path / 'digits'}", f"out={out}"], tmp_path
    )
    table = pd.read_csv(written)
    assert table["file"].tolist() == [f"{i}.png" for i in range(6)]
    assert np.isfinite(table["mse"]).all() and (table["mse"] > 0).all()
    assert np.allclose(table["psnr"], -10 * np.log10(table["mse"]), atol=1e-3)
    with Image.open(out / "reconstructions.png") as figure:
        three_rows = figure.height  # input, corrupted, reconstruction
    run_predict(
        [f"ckpt_path={ckpt}", f"inputs={tmp_path / 'digits'}", f"out={out}", "corrupt=false"],
        tmp_path,
    )
    with Image.open(out / "reconstructions.png") as figure:
        assert figure.height < three_rows  # no corrupted row


@pytest.mark.parametrize(
    ("size", "mode", "has"), [((16, 16), "L", "16x16 grey"), ((8, 8), "RGB", "8x8 RGB")]
)
def test_an_image_unlike_the_training_images_is_refused_unless_resized(
    denoiser, tmp_path, size, mode, has
):
    inputs = tmp_path / "odd"
    inputs.mkdir()
    pixels = np.random.default_rng(0).integers(0, 255, (*size[::-1], 3), dtype=np.uint8)
    Image.fromarray(pixels).convert(mode).save(inputs / "odd.png")
    args = [f"ckpt_path={denoiser['best_checkpoint']}", f"inputs={inputs}", f"out={tmp_path / 'o'}"]
    with pytest.raises(DataError) as error:
        run_predict(args, tmp_path)
    assert str(error.value) == (
        f"{inputs / 'odd.png'} is a {has} image but the model takes 8x8 grey images; "
        "pass resize=true to letterbox it to that size and convert its channels."
    )
    assert not (tmp_path / "o").exists()
    table = pd.read_csv(run_predict([*args, "resize=true"], tmp_path))
    assert table["file"].tolist() == ["odd.png"]


# ---------------------------------------------------------------------------- forecasts
@pytest.fixture(scope="module")
def sunspots(tmp_path_factory):
    overrides = [
        "data=sunspots",
        "data.horizon=3",
        "callbacks.lr_monitor=null",
        "trainer.max_epochs=2",
    ]
    return trained(tmp_path_factory, "sunspots", overrides)


def test_forecaster_forecasts_horizon_rows_in_original_units(sunspots, tmp_path):
    from litlab.data.bundled_series import sunspots as sunspot_table

    frame = sunspot_table()
    csv = tmp_path / "sunspots.csv"
    # all but the last 3 years, shuffled: read in time order, as the datamodule reads them
    frame.iloc[:-3].sample(frac=1, random_state=0).to_csv(csv, index=False)
    out = tmp_path / "out"
    written = run_predict(
        [f"ckpt_path={sunspots['best_checkpoint']}", f"inputs={csv}", f"out={out}"], tmp_path
    )
    table = pd.read_csv(written)
    assert list(table.columns) == ["step", "time", "SUNACTIVITY"]
    assert table["time"].tolist() == frame["YEAR"].iloc[-3:].tolist()
    # the datamodule's last test window is exactly these rows: the same forecast, unscaled
    data = datamodule(sunspots)
    x_last = data.sets["test"].tensors[0][-1:]
    model = sunspots["model"]
    with torch.no_grad():
        expected = model.unscale(model(x_last)).numpy().ravel()
    assert np.allclose(table["SUNACTIVITY"], expected, atol=1e-3)
    assert np.abs(table["SUNACTIVITY"] - frame["SUNACTIVITY"].iloc[-3:].to_numpy()).max() < 100
    with Image.open(out / "forecast.png") as figure:
        assert figure.width > 300


@pytest.mark.parametrize(
    ("cut", "sentence"),
    [
        ("column", "has no column 'SUNACTIVITY', which the model was trained on"),
        ("rows", "holds 5 usable rows of 'SUNACTIVITY'; the model forecasts from the last 12"),
    ],
)
def test_a_series_csv_the_model_cannot_read_gets_one_sentence(sunspots, tmp_path, cut, sentence):
    from litlab.data.bundled_series import sunspots as sunspot_table

    frame = sunspot_table()
    frame = frame.rename(columns={"SUNACTIVITY": "spots"}) if cut == "column" else frame.iloc[:5]
    csv = tmp_path / "series.csv"
    frame.to_csv(csv, index=False)
    with pytest.raises(DataError, match=sentence):
        run_predict([f"ckpt_path={sunspots['best_checkpoint']}", f"inputs={csv}"], tmp_path)


def test_a_gan_is_sent_to_sample_py():
    from litlab.models.gan import GAN
    from litlab.tasks.predict import writer_for

    with pytest.raises(ConfigError, match=r"draw images with `python sample.py ckpt_path=...`"):
        writer_for(GAN.__new__(GAN))  # the task decides; no weights needed
