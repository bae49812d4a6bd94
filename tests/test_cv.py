"""Cross-validation, bootstrap, fold ensembles, stacking and the ensemble command.

One 5-fold run on wine (module fixture) serves the statistics, ensemble and command tests;
the split tests build datamodules and splitters only, without training.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
import pytest
from filelock import FileLock

from litlab.cv.loop import fold_config
from litlab.data.splits import fold_indices
from litlab.errors import ConfigError
from litlab.report.collect import collect
from litlab.report.tables import group_rows
from litlab.utils.summary import read_summary
from tests.conftest import compose_cfg, run_cli, run_train

# wine's tabular MLP for a few epochs, nothing drawn or logged that the tests do not read
FAST = [
    "experiment=wine_classifier",
    "~logger",
    "baselines=false",
    "callbacks.loss_curves=null",
    "callbacks.confusion_matrix=null",
    "callbacks.lr_monitor=null",
]

# 20 fits: one epoch of two batches each, no sanity check, no early stopping or last.ckpt
ONE_SHORT_EPOCH = [
    "trainer.max_epochs=1",
    "trainer.limit_train_batches=2",
    "trainer.num_sanity_val_steps=0",
    "callbacks.early_stopping=null",
    "callbacks.last_checkpoint=null",
]


@pytest.fixture(scope="module")
def wine_cv(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """`train.py experiment=wine_classifier cv.folds=5` at 4 epochs a fold: the members are not
    all perfect yet (mean member test acc 0.989), so the ensemble has something to add.

    Trained once per session: under pytest-xdist the workers share this session's base folder,
    and the first to get the lock trains while the others wait for its folder."""
    if worker_id == "master":
        root = tmp_path_factory.mktemp("wine_cv")
    else:
        root = tmp_path_factory.getbasetemp().parent / "wine_cv"
    with FileLock(f"{root}.lock"), pytest.MonkeyPatch.context() as patch:
        if not (root / "summary.json").is_file():
            patch.setenv("MPLBACKEND", "Agg")
            run_train([*FAST, "cv.folds=5", "trainer.max_epochs=4"], root)
    return root


def fold_summaries(root: Path) -> list[dict]:
    return [read_summary(root / "folds" / str(k)) for k in range(len(list(root.glob("folds/*"))))]


def datamodule_of(overrides: list[str], out: Path):
    cfg = compose_cfg(overrides, out)
    return cfg, hydra.utils.instantiate(cfg.data)


def test_five_fold_cv_reports_each_fold_and_mean_std_of_the_fold_summaries(wine_cv: Path):
    summary = read_summary(wine_cv)
    cv, folds = summary["cv"], fold_summaries(wine_cv)
    assert summary["status"] == "ok" and cv["kind"] == "StratifiedKFold"
    scores = [f["cv"]["score"] for f in folds]
    assert len(folds) == 5 and cv["scores"] == scores and cv["score_name"] == "val/loss"
    assert cv["mean"] == pytest.approx(np.mean(scores)) == summary["metrics"]["val/loss"]
    assert cv["std"] == pytest.approx(np.std(scores, ddof=1))
    accs = [f["metrics"]["test/acc"] for f in folds]
    assert summary["metrics"]["test/acc"] == pytest.approx(np.mean(accs))
    assert cv["test"]["test/acc"]["std"] == pytest.approx(np.std(accs, ddof=1))
    assert (wine_cv / "figures" / "cv_scores.png").stat().st_size > 1000
    rows = list(csv.DictReader((wine_cv / "cv.csv").open()))
    assert [float(r["val/loss"]) for r in rows] == pytest.approx(scores)
    # each fold is a complete run folder, and the report reads the folds as repeats
    assert all((wine_cv / "folds" / str(k) / "checkpoints").is_dir() for k in range(5))
    (group,) = group_rows(collect(wine_cv))
    assert group["n"] == 5 and group["test/acc mean"] == pytest.approx(np.mean(accs))


def test_folds_are_stratified_disjoint_and_cover_the_pool_but_never_the_test_rows(
    wine_cv: Path, tmp_path: Path
):
    cfg, datamodule = datamodule_of([*FAST, "cv.folds=5"], tmp_path)
    _, folds = fold_indices(cfg.cv, datamodule)
    normal = hydra.utils.instantiate(cfg.data)
    normal.setup("fit")
    test_rows = set(normal.splits["test"])
    vals, counts = [], []
    for k, (train, val) in enumerate(folds):
        fold = hydra.utils.instantiate(cfg.data)
        fold.set_fold(train, val)
        fold.setup("fit")
        rows = fold.splits
        assert set(rows["test"]) == test_rows  # the fixed test split, the normal run's
        assert not set(rows["val"]) & set(rows["train"])
        assert not (set(rows["val"]) | set(rows["train"])) & test_rows
        assert len(rows["val"]) == fold_summaries(wine_cv)[k]["cv"]["val"]
        vals.append(set(rows["val"]))
        counts.append(np.bincount(fold.y_raw[rows["val"]], minlength=3))
    assert sum(len(v) for v in vals) == len(set().union(*vals))  # val folds are disjoint
    assert set().union(*vals) == set(range(178)) - test_rows  # and cover the pool
    counts = np.array(counts)
    assert (counts.max(axis=0) - counts.min(axis=0)).max() <= 1  # stratified


def test_twenty_resample_bootstrap_reports_mean_std_interval_and_running_mean(tmp_path: Path):
    summary = run_train([*FAST, "cv.bootstrap=20", "cv.holdout=0.2", *ONE_SHORT_EPOCH], tmp_path)
    cv = summary["cv"]
    assert cv["kind"] == "StratifiedShuffleSplit" and len(cv["scores"]) == 20
    assert cv["mean"] == pytest.approx(np.mean(cv["scores"]))
    assert cv["std"] == pytest.approx(np.std(cv["scores"], ddof=1)) and cv["std"] > 0
    assert cv["interval"] == pytest.approx(np.percentile(cv["scores"], [2.5, 97.5]))
    assert cv["interval"][0] < cv["mean"] < cv["interval"][1]
    assert read_summary(tmp_path / "folds" / "19")["cv"]["val"] == 29  # 20% of 142 pool rows
    assert (tmp_path / "figures" / "bootstrap_running_mean.png").stat().st_size > 1000


def test_fold_ensemble_matches_or_beats_the_mean_member_and_stacking_is_reported(
    wine_cv: Path,
):
    result = read_summary(wine_cv)["ensemble"]
    members = [m["test/acc"] for m in result["members"]]
    # the members' predictions are the tested checkpoints': their accuracies agree
    tested = [f["metrics"]["test/acc"] for f in fold_summaries(wine_cv)]
    assert members == pytest.approx(tested, abs=1e-6)
    assert result["mean_member"]["test/acc"] == pytest.approx(np.mean(members))
    assert min(members) < 1.0  # a real comparison: not every member is perfect already
    assert result["ensemble"]["test/acc"] >= result["mean_member"]["test/acc"]
    stacking = result["stacking"]
    assert stacking["rows"] == 142  # every pool row once, predicted by the model not fit on it
    assert 0.9 <= stacking["metrics"]["test/acc"] <= 1.0


def grouped_table(path: Path) -> Path:
    rng = np.random.default_rng(0)
    n = 90
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "site": np.repeat([f"s{i}" for i in range(15)], n // 15),
            "y": rng.normal(size=n) * 10.0,
        }
    )
    frame.to_csv(path, index=False)
    return path


def test_group_kfold_keeps_each_group_in_one_fold(tmp_path: Path):
    table = grouped_table(tmp_path / "t.csv")
    data = ["data=tabular", f"data.path={table}", "data.target=y", "model=regressor"]
    cfg, datamodule = datamodule_of([*data, "cv.folds=3", "cv.group=site"], tmp_path)
    kind, folds = fold_indices(cfg.cv, datamodule)
    assert kind == "GroupKFold"
    frame = pd.read_csv(table)
    seen = []
    for train, val in folds:
        fold = hydra.utils.instantiate(cfg.data)
        fold.set_fold(train, val)
        fold.setup("fit")
        train_sites = set(frame.site.iloc[fold.splits["train"]])
        val_sites = set(frame.site.iloc[fold.splits["val"]])
        assert not train_sites & val_sites
        seen += sorted(val_sites)
    assert len(seen) == len(set(seen))  # each group is validated in exactly one fold


def test_time_series_folds_chain_forward_before_the_fixed_test_segment(tmp_path: Path):
    cfg, datamodule = datamodule_of(["experiment=sunspots_forecaster", "cv.folds=4"], tmp_path)
    kind, folds = fold_indices(cfg.cv, datamodule)
    assert kind == "TimeSeriesSplit" and len(folds) == 4
    normal = hydra.utils.instantiate(cfg.data)
    normal.setup("fit")
    for train, val in folds:
        assert train.max() < val.min()
        fold = hydra.utils.instantiate(cfg.data)
        fold.set_fold(train, val)
        fold.setup("fit")
        train_rows, val_rows, test_rows = (fold.windows[s][2] for s in ("train", "val", "test"))
        # every target the model validates on comes after every target it trained on
        assert train_rows.max() < val_rows.min() and val_rows.max() < test_rows.min()
        assert np.array_equal(test_rows, normal.windows["test"][2])


@pytest.mark.parametrize(
    ("overrides", "phrase"),
    [
        ([*FAST, "cv.folds=3", "cv.group=vineyard"], "has no column 'vineyard'"),
        (["cv.folds=3", "cv.group=writer"], "cv.group=writer names a table column"),
        ([*FAST, "cv.folds=3", "cv.bootstrap=5"], "set one of them"),
    ],
)
def test_bad_cv_options_stop_with_one_sentence(overrides: list[str], phrase: str, tmp_path):
    with pytest.raises(SystemExit) as stop:
        run_train(overrides, tmp_path)
    assert stop.value.code == 1
    error = read_summary(tmp_path)["error"]
    assert phrase in error and "\n" not in error


def test_ensemble_command_on_two_checkpoints_writes_its_table(wine_cv: Path, tmp_path: Path):
    ckpts = [next((wine_cv / "folds" / k / "checkpoints").glob("epoch_*.ckpt")) for k in "04"]
    out = tmp_path / "ens"
    done = run_cli("ensemble.py", [f"ckpts=[{ckpts[0]},{ckpts[1]}]", f"out={out}"])
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader((out / "ensemble.csv").open()))
    assert [r["model"] for r in rows] == [
        str(ckpts[0]),
        str(ckpts[1]),
        "mean member",
        "ensemble (mean of class probabilities)",
    ]
    tested = [read_summary(wine_cv / "folds" / k)["metrics"]["test/acc"] for k in "04"]
    assert [float(r["test/acc"]) for r in rows[:2]] == pytest.approx(tested, abs=1e-6)
    assert json.loads((out / "ensemble.json").read_text())["ensemble"]["test/acc"] == float(
        rows[3]["test/acc"]
    )
    assert "mean member" in done.stdout


def test_data_that_cannot_be_resplit_is_refused_in_one_sentence(tmp_path: Path):
    cfg, datamodule = datamodule_of(
        ["model=detector", "data=mnist_detection", "cv.folds=3"], tmp_path
    )
    with pytest.raises(ConfigError, match="not available for MNISTDetectionDataModule"):
        fold_indices(cfg.cv, datamodule)


def test_each_fold_is_a_wandb_run_in_the_cv_folder_group(tmp_path: Path):
    cfg = compose_cfg(
        ["experiment=wine_classifier", "logger=wandb", "cv.folds=3"], tmp_path / "cv_run"
    )
    fold = fold_config(cfg, 2, tmp_path / "cv_run" / "folds" / "2", "cv_run")
    assert fold.logger.wandb.group == "cv_run" and fold.cv.fold == 2
    assert fold.callbacks.model_checkpoint.dirpath == str(tmp_path / "cv_run/folds/2/checkpoints")
