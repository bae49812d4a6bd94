"""Tables: CSV loading, typing, missing values, leakage-free encoding, bad input, the tabular
net through the classifier and regressor, scikit-learn baselines, and the bundled presets."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from litlab.data import TabularDataModule
from litlab.errors import DataError
from litlab.utils.summary import read_summary
from tests.conftest import run_cli, run_train

FAST = ["callbacks.lr_monitor=null", "trainer.max_epochs=3"]


# these nets are tiny: on a busy 2-core machine extra intra-op threads only contend
pytestmark = pytest.mark.usefixtures("one_thread")


def write_table(path, n: int = 240, seed: int = 0) -> pd.DataFrame:
    """A small mixed table: numbers with gaps, a boolean, a low- and a high-cardinality
    category with gaps, a text label that depends on them and a numeric target."""
    rng = np.random.default_rng(seed)
    income = rng.normal(50, 10, n)
    colour = rng.choice(["red", "green", "blue"], n)
    frame = pd.DataFrame(
        {
            "income": income,
            "age": rng.integers(18, 80, n).astype(float),
            "member": rng.random(n) > 0.5,
            "colour": colour,
            "zip": [f"Z{z:04d}" for z in rng.integers(0, 150, n)],
            "label": np.where(income + 8 * (colour == "red") > 54, "yes", "no"),
            "price": income * 2.0 + (colour == "blue") * 10 + rng.normal(0, 1, n),
        }
    )
    frame.loc[::7, "income"] = np.nan
    frame.loc[::11, "colour"] = np.nan
    frame.to_csv(path, index=False)
    return frame


def setup_table(path, **kwargs) -> TabularDataModule:
    dm = TabularDataModule(path=str(path), batch_size=32, **kwargs)
    dm.setup("fit")
    return dm


def test_types_missing_values_and_spec_are_inferred_from_the_csv(tmp_path):
    frame = write_table(tmp_path / "t.csv")
    dm = setup_table(tmp_path / "t.csv", target="label", drop=["price"])
    spec = dm.spec
    assert spec.input_kind == "table" and spec.target == "class"
    assert spec.class_names == ("no", "yes") and sum(spec.class_counts) == len(dm.train_set)
    # income, age, member (bool) numeric + the missing indicator of income; colour, zip embedded
    assert spec.extra["numeric_columns"] == ["income", "age", "member", "income__missing"]
    assert spec.input_shape == (4,)
    assert spec.extra["categorical_columns"] == ["colour", "zip"]
    train_rows = frame.iloc[dm.splits["train"]]
    assert spec.categories[0] == train_rows["colour"].fillna("<missing>").nunique() + 1
    assert spec.categories[1] == train_rows["zip"].nunique() + 1  # high cardinality, + unknown
    x_num, x_cat, y = dm.train_set.__getitems__([0, 1, 2])
    assert x_num.dtype == torch.float32 and x_cat.dtype == torch.long and y.dtype == torch.long
    assert torch.isfinite(dm.train_set.tensors[0]).all()
    assert len(dm.train_set) + len(dm.val_set) + len(dm.test_set) == len(frame)


def test_task_is_inferred_and_can_be_overridden(tmp_path):
    write_table(tmp_path / "t.csv")
    regression = setup_table(tmp_path / "t.csv", target="price")
    assert regression.spec.target == "value" and regression.spec.target_shape == (1,)
    forced = setup_table(tmp_path / "t.csv", target="age", task="regression")
    assert forced.spec.target == "value"
    assert setup_table(tmp_path / "t.csv", target="member").spec.num_classes == 2
    assert (
        setup_table(tmp_path / "t.csv", target="price", categorical=["age"]).spec.categories[0] > 50
    )


def test_statistics_and_vocabularies_come_from_the_training_split_only(tmp_path):
    frame = write_table(tmp_path / "t.csv")
    dm = setup_table(tmp_path / "t.csv", target="price")
    train = frame.iloc[dm.splits["train"]]
    enc = dm.encoder
    assert enc.medians["income"] == pytest.approx(train["income"].median())
    filled = train["income"].fillna(train["income"].median())
    assert enc.mean[0] == pytest.approx(filled.mean())
    assert enc.std[0] == pytest.approx(filled.std(ddof=0))
    assert set(enc.vocab["zip"]) == set(train["zip"])
    # the training split is standardised exactly; the target scaling is the train target's
    x_train = dm.train_set.tensors[0]
    assert x_train.mean(0).abs().max() < 1e-4
    assert dm.y_mean == pytest.approx(train["price"].mean())
    # a zip code never seen in training maps to the unknown slot 0
    test = frame.iloc[dm.splits["test"]]
    unseen = ~test["zip"].isin(train["zip"]).to_numpy()
    assert unseen.any()
    assert (dm.test_set.tensors[1][torch.from_numpy(unseen), 1] == 0).all()
    # stratified: each class keeps its share in every split
    cls = setup_table(tmp_path / "t.csv", target="label")
    shares = [float(s.tensors[2].float().mean()) for s in (cls.train_set, cls.test_set)]
    assert abs(shares[0] - shares[1]) < 0.05


@pytest.mark.parametrize(
    ("change", "options", "message"),
    [
        ("missing file", {"path": "nowhere.csv", "target": "label"}, r"nowhere\.csv"),
        ("no target", {"target": "colur"}, r"t\.csv has no column 'colur'"),
        ("constant target", {"target": "const"}, r"'const' of .*t\.csv holds only the value"),
        ("text as numeric", {"target": "label", "numeric": ["colour"]}, r"'colour' of .*t\.csv"),
        ("empty column", {"target": "label"}, r"'blank' of .*t\.csv has no values"),
        ("infinite values", {"target": "label"}, r"'inf' of .*t\.csv still holds NaN"),
    ],
)
def test_bad_tables_stop_with_one_sentence_naming_file_and_column(
    tmp_path, change, options, message
):
    frame = write_table(tmp_path / "t.csv")
    if change == "constant target":
        frame["const"] = 3
    if change == "empty column":
        frame["blank"] = np.nan
    if change == "infinite values":
        frame["inf"] = np.where(np.arange(len(frame)) % 2, np.inf, 1.0)
    frame.to_csv(tmp_path / "t.csv", index=False)
    options.setdefault("path", str(tmp_path / "t.csv"))
    with pytest.raises(DataError, match=message) as info:
        TabularDataModule(batch_size=32, **options).setup("fit")
    assert str(info.value).count(". ") == 0 and "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["model=regressor", "data=digits"], "model=regressor needs numeric values; data=digits"),
        (
            ["model=classifier", "data=diabetes"],
            "model=classifier needs class labels; data=diabetes gives numeric",
        ),
        (["data=wine", "model/net=mlp"], "net MLP reads images or sequences; this data gives"),
    ],
)
def test_model_data_mismatch_fails_before_training(tmp_path, overrides, message):
    with pytest.raises(SystemExit):
        run_train([*FAST, *overrides], tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "failed" and message in summary["error"]


def test_csv_classification_trains_and_reports_baselines(tmp_path):
    write_table(tmp_path / "t.csv")
    overrides = ["data=tabular", f"data.path={tmp_path / 't.csv'}", "data.target=label"]
    fast = ["trainer.max_epochs=15", "model.optimizer.lr=0.01"]
    result = run_train([*FAST, *overrides, *fast], tmp_path / "run")
    assert result["metrics"]["test/acc"] > 0.75
    baselines = json.loads((tmp_path / "run" / "summary.json").read_text())["baselines"]
    assert set(baselines) == {"logistic", "gradient_boosting"}
    assert baselines["logistic"]["test/acc"] > 0.8  # the rule is linear in income and colour
    checkpoint = torch.load(result["best_checkpoint"], weights_only=True)
    assert checkpoint["hyper_parameters"]["spec"]["input_kind"] == "table"


def test_csv_regression_reports_metrics_in_target_units(tmp_path):
    write_table(tmp_path / "t.csv")
    overrides = ["data=tabular", f"data.path={tmp_path / 't.csv'}", "data.target=price"]
    result = run_train([*FAST, *overrides, "model=regressor", "model.loss=huber"], tmp_path)
    metrics = result["metrics"]
    assert {"test/rmse", "test/mae", "test/r2", "val/rmse_best"} <= set(metrics)
    # a standardised-units error would be ~1; the target's own scale is ~20
    assert float(metrics["test/rmse"]) > 2 * float(metrics["test/loss"]) ** 0.5
    assert result["baselines"]["ridge"]["test/r2"] > 0.8  # linear truth (gaps in income aside)


def test_a_numeric_target_with_no_model_chosen_trains_the_regressor(tmp_path):
    # the one command: `python train.py data=tabular data.path=... data.target=price`
    write_table(tmp_path / "t.csv")
    data = ["data=tabular", f"data.path={tmp_path / 't.csv'}", "data.target=price"]
    result = run_cli("train.py", [*FAST, *data, f"hydra.run.dir={tmp_path / 'run'}"])
    assert result.returncode == 0, result.stderr[-2000:]
    summary = read_summary(tmp_path / "run")
    assert {"test/rmse", "test/mae", "test/r2"} <= set(summary["metrics"])
    stored = torch.load(summary["best_checkpoint"], weights_only=True)["litlab_config"]
    assert stored["model"]["_target_"] == "litlab.models.Regressor"
    # a classifier option on the command line keeps the classifier, which says why it cannot
    run = tmp_path / "smoothed"
    result = run_cli("train.py", [*data, "model.label_smoothing=0.1", f"hydra.run.dir={run}"])
    assert result.returncode == 1
    assert "model=classifier needs class labels" in result.stderr


def test_the_regressor_default_also_holds_for_a_config_composed_in_python(tmp_path):
    result = run_train([*FAST, "data=diabetes"], tmp_path)
    assert "test/rmse" in result["metrics"]


@pytest.mark.slow
@pytest.mark.parametrize("experiment", ["wine_classifier", "breast_cancer_classifier"])
def test_bundled_classification_presets_reach_95_percent(tmp_path, experiment):
    result = run_train([f"experiment={experiment}"], tmp_path)
    assert result["metrics"]["test/acc"] >= 0.95


@pytest.mark.slow
def test_diabetes_preset_is_within_10_percent_of_ridge(tmp_path):
    result = run_train(["experiment=diabetes_regressor"], tmp_path)
    ridge = result["baselines"]["ridge"]["test/rmse"]
    assert float(result["metrics"]["test/rmse"]) <= 1.1 * ridge
