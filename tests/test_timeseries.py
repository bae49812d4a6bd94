"""Time series: CSV loading and gap rule, chronological leakage-free windows, bad input,
baselines, every forecaster net, the forecast figure, and sunspots beating the AR baseline."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from litlab.data import TimeSeriesDataModule
from litlab.data.forecast_baselines import linear_ar, persistence, seasonal_naive
from litlab.errors import DataError
from litlab.models import Forecaster
from litlab.utils.summary import read_summary
from tests.conftest import run_cli, run_train

FAST = ["callbacks.lr_monitor=null", "trainer.max_epochs=2"]


# these nets are tiny: on a busy 2-core machine extra intra-op threads only contend
pytestmark = pytest.mark.usefixtures("one_thread")


def write_series(path, n: int = 300, gaps: bool = True, shuffle: bool = True) -> pd.DataFrame:
    """A noisy 12-step seasonal series with a trend, an extra input column, a date column,
    some missing values, and rows in random order (the time column restores it)."""
    rng = np.random.default_rng(0)
    t = np.arange(n)
    frame = pd.DataFrame(
        {
            "date": pd.date_range("2000-01-01", periods=n, freq="D").astype(str),
            "load": 10 + 0.02 * t + 3 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.3, n),
            "temp": np.cos(2 * np.pi * t / 12) + rng.normal(0, 0.1, n),
        }
    )
    if gaps:
        frame.loc[[5, 40, 41, 150], "load"] = np.nan
    if shuffle:
        frame = frame.sample(frac=1.0, random_state=0)
    frame.to_csv(path, index=False)
    return frame


def setup_series(path, **kwargs) -> TimeSeriesDataModule:
    options = {"target": "load", "time": "date", "lookback": 24, "horizon": 3, **kwargs}
    dm = TimeSeriesDataModule(path=str(path), batch_size=32, **options)
    dm.setup("fit")
    return dm


def test_windows_stay_inside_their_chronological_segment(tmp_path):
    write_series(tmp_path / "s.csv")
    dm = setup_series(tmp_path / "s.csv", inputs=["temp"], stride=2)
    assert dm.spec.input_kind == "sequence" and dm.spec.input_shape == (24, 2)
    assert dm.spec.target_shape == (3,)
    n = len(dm.times)
    assert n == 300  # interior gaps were interpolated, not dropped
    assert np.all(np.diff(dm.times.astype("datetime64[D]").astype(int)) == 1)  # sorted by date
    bounds = dm.boundaries(n)
    for (name, (_, _, rows)), start, end in zip(
        dm.windows.items(), (0, *bounds[:2]), bounds, strict=True
    ):
        first_input, last_target = rows - 24, rows + 3 - 1
        assert first_input.min() >= start and last_target.max() < end, name
        assert np.all(np.diff(rows) == 2)  # the stride
    # test windows are the last ones in time
    assert dm.windows["val"][2].max() < dm.windows["test"][2].min()


def test_scaling_statistics_equal_the_training_segment(tmp_path):
    write_series(tmp_path / "s.csv", gaps=False)
    dm = setup_series(tmp_path / "s.csv", inputs=["temp"])
    ordered = pd.read_csv(tmp_path / "s.csv").sort_values("date")
    train = ordered.iloc[: dm.boundaries(300)[0]]
    assert dm.mean[0] == pytest.approx(train["load"].mean())
    assert dm.std[0] == pytest.approx(train["load"].std(ddof=0))
    assert dm.mean[1] == pytest.approx(train["temp"].mean())
    assert dm.spec.extra["target_mean"] == [pytest.approx(train["load"].mean())]
    # the first training window is the first 24 rows, standardised
    x0 = dm.sets["train"].tensors[0][0, :, 0].numpy()
    expected = (train["load"].to_numpy()[:24] - dm.mean[0]) / dm.std[0]
    assert np.allclose(x0, expected, atol=1e-5)


def test_baselines_are_exact_where_they_should_be():
    t = np.arange(200, dtype=float)
    periodic = np.sin(2 * np.pi * t / 8)
    x = np.stack([periodic[s : s + 16] for s in range(180)])
    y = np.stack([periodic[s + 16 : s + 19] for s in range(180)])
    assert np.allclose(seasonal_naive(x, 3, 8), y)
    assert seasonal_naive(x, 3, 20) is None  # lookback shorter than a season
    assert np.allclose(persistence(x, 3), x[:, -1:].repeat(3, 1))
    # a sine obeys an exact linear recurrence, so least squares recovers it
    assert np.allclose(linear_ar(x[:100, :, None], y[:100], x[100:, :, None]), y[100:], atol=1e-6)


@pytest.mark.parametrize(
    ("case", "options", "message"),
    [
        ("missing file", {"path": "nowhere.csv"}, r"nowhere\.csv"),
        ("no target", {"target": "lode"}, r"s\.csv has no column 'lode'"),
        (
            "window too long",
            {"lookback": 400},
            r"longer than the 300-row series 'load' of .*s\.csv",
        ),
        ("gaps left", {"fill": "none"}, r"'load' of .*s\.csv has missing values left"),
        ("text", {"inputs": ["word"]}, r"'word' of .*s\.csv must be numeric"),
        ("constant", {"target": "flat"}, r"'flat' of .*s\.csv is constant"),
    ],
)
def test_bad_series_stop_with_one_sentence_naming_file_and_column(tmp_path, case, options, message):
    frame = write_series(tmp_path / "s.csv")
    frame["word"] = "abc"
    frame["flat"] = 1.0
    frame.to_csv(tmp_path / "s.csv", index=False)
    options.setdefault("path", str(tmp_path / "s.csv"))
    with pytest.raises(DataError, match=message) as info:
        setup_series(**options)
    assert "\n" not in str(info.value)


def test_forecaster_on_images_fails_before_training(tmp_path, mnist_dir):
    with pytest.raises(SystemExit):
        run_train([*FAST, "model=forecaster", "data=mnist", f"data.data_dir={mnist_dir}"], tmp_path)
    error = json.loads((tmp_path / "summary.json").read_text())["error"]
    assert error == "model=forecaster needs sequences; data=mnist gives images."


@pytest.mark.parametrize("net", ["lstm", "gru", "tcn", "mlp"])
def test_each_forecaster_net_trains_and_reports_per_step_errors(tmp_path, net):
    write_series(tmp_path / "s.csv")
    overrides = [
        "data=timeseries",
        "model=forecaster",
        f"model/net={net}",
        f"data.path={tmp_path / 's.csv'}",
        "data.target=load",
        "data.time=date",
        "data.inputs=[temp]",
        "data.horizon=3",
        "data.season=12",
    ]
    result = run_train([*FAST, *overrides], tmp_path / "run")
    metrics = result["metrics"]
    for key in ("test/rmse", "test/mae", "test/rmse_h1", "test/rmse_h3", "test/mae_h3"):
        assert np.isfinite(float(metrics[key])), key
    assert set(result["baselines"]) == {"persistence", "seasonal_naive", "linear_ar"}
    assert result["baselines"]["linear_ar"]["test/rmse"] < 1.0  # noise sd 0.3, series sd ~3
    assert (tmp_path / "run" / "figures" / "forecast.png").stat().st_size > 5000


def test_a_series_with_no_model_chosen_trains_the_forecaster(tmp_path):
    write_series(tmp_path / "s.csv")
    data = ["data=timeseries", f"data.path={tmp_path / 's.csv'}", "data.target=load"]
    result = run_cli("train.py", [*FAST, *data, "data.time=date", f"hydra.run.dir={tmp_path}"])
    assert result.returncode == 0, result.stderr[-2000:]
    summary = read_summary(tmp_path)
    assert "test/rmse_h1" in summary["metrics"]
    stored = torch.load(summary["best_checkpoint"], weights_only=True)["litlab_config"]
    assert stored["model"]["_target_"] == "litlab.models.Forecaster"


@pytest.mark.slow
def test_sunspots_network_beats_the_linear_ar_baseline(tmp_path):
    result = run_train(["experiment=sunspots_forecaster"], tmp_path)
    ar = result["baselines"]["linear_ar"]["test/rmse"]
    assert float(result["metrics"]["test/rmse"]) < ar


def test_residual_forecaster_starts_from_the_last_value(tmp_path):
    """With `residual`, a net that outputs zero forecasts persistence (the window's last value);
    without it, the same net forecasts the training mean."""
    write_series(tmp_path / "s.csv")
    dm = setup_series(tmp_path / "s.csv")
    x, _ = dm.sets["test"].tensors
    net = {"_target_": "litlab.nets.MLP", "hidden": [8]}
    optimizer = {"_target_": "torch.optim.Adam", "_partial_": True, "lr": 1e-3}
    models = {
        residual: Forecaster(
            spec=dm.spec.to_dict(), net=net, optimizer=optimizer, residual=residual
        )
        for residual in (True, False)
    }
    for model in models.values():
        for p in model.net.parameters():
            torch.nn.init.zeros_(p)
        model.eval()
    with torch.no_grad():
        last = x[:, -1, 0]
        assert torch.allclose(models[True](x), last[:, None].expand(-1, 3))
        assert torch.equal(models[False](x), torch.zeros(len(x), 3))
