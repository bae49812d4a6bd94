"""A series CSV -> the next `horizon` values, read as the timeseries datamodule reads its CSV
(time column, gap rule, target and input columns from the checkpoint's spec)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure
from omegaconf import DictConfig

from litlab.data.timeseries import TimeSeriesDataModule
from litlab.errors import ConfigError, DataError
from litlab.models.base import LitModule

HISTORY_WINDOWS = 4  # the figure shows this many lookback windows of history


def read_series(model: LitModule, inputs: Path) -> pd.DataFrame:
    """The model's columns of `inputs`, ordered by time and gap-filled as in training."""
    extra = model.spec.extra
    if "time" not in extra:
        raise ConfigError(
            "this checkpoint predates stored series settings (time column, gap rule); "
            "retrain it to forecast from a CSV file."
        )
    if not inputs.is_file() or inputs.suffix.lower() != ".csv":
        raise ConfigError(f"inputs={inputs}: a model trained on a series reads a CSV file.")
    target, *others = extra["columns"]
    reader = TimeSeriesDataModule(
        path=str(inputs), target=target, time=extra["time"], inputs=others, fill=extra["fill"]
    )
    frame = reader.load_frame()
    needed = [c for c in (extra["time"], *extra["columns"]) if c is not None]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError(
            f"{inputs} has no column {', '.join(map(repr, missing))}, which the model was "
            f"trained on (it needs {', '.join(map(repr, needed))})."
        )
    values = reader.clean(reader.ordered(frame))
    lookback = int(extra["lookback"])
    if len(values) < lookback:
        raise DataError(
            f"{inputs} holds {len(values)} usable rows of {target!r}; the model forecasts from "
            f"the last {lookback} (its lookback)."
        )
    return values


def future_times(index: pd.Index, horizon: int) -> list | None:
    """The times of the next `horizon` rows when the series is evenly spaced, else None."""
    if len(index) < 2:
        return None
    steps = np.diff(index.to_numpy()[-min(len(index), 8) :])
    if isinstance(index, pd.DatetimeIndex):
        frequency = pd.infer_freq(index[-min(len(index), 8) :]) if len(index) >= 3 else None
        if frequency is None:
            return None
        return list(pd.date_range(index[-1], periods=horizon + 1, freq=frequency)[1:])
    if pd.api.types.is_numeric_dtype(index) and (steps == steps[0]).all():
        return [index[-1] + steps[0] * (h + 1) for h in range(horizon)]
    return None


@torch.no_grad()
def forecast(model: LitModule, values: pd.DataFrame) -> np.ndarray:
    """The next `horizon` values of the target, in its units, from the last lookback rows."""
    lookback = int(model.spec.extra["lookback"])
    window = values.to_numpy(dtype=np.float64)[-lookback:]
    scaled = (window - np.asarray(model.spec.mean)) / np.asarray(model.spec.std)
    x = torch.tensor(scaled, dtype=torch.float32, device=model.device)[None]
    return model.unscale(model(x)).cpu().numpy().reshape(-1).astype(np.float64)


def write_forecast(model: LitModule, inputs: Path, out: Path, cfg: DictConfig) -> Path:
    """`out/forecast.csv` (step, time when the series is evenly spaced, the forecast) and
    `out/forecast.png` (the recent history and the forecast)."""
    values = read_series(model, inputs)
    target = values.columns[0]
    predicted = forecast(model, values)
    times = future_times(values.index, len(predicted)) if model.spec.extra["time"] else None
    table = pd.DataFrame({"step": np.arange(1, len(predicted) + 1)})
    if times is not None:
        table["time"] = times
    table[target] = predicted
    out.mkdir(parents=True, exist_ok=True)
    path = out / "forecast.csv"
    table.to_csv(path, index=False)
    draw(values[target], predicted, times, int(model.spec.extra["lookback"])).savefig(
        out / "forecast.png", dpi=110, bbox_inches="tight"
    )
    return path


def draw(history: pd.Series, predicted: np.ndarray, times: list | None, lookback: int) -> Figure:
    """The last few lookback windows of the target and the forecast after them."""
    shown = history.iloc[-HISTORY_WINDOWS * lookback :]
    axis = "row" if times is None else (history.index.name or "time")
    if times is None:  # no time axis to extend: number the rows
        shown = shown.reset_index(drop=True)
        start = len(history) - len(shown)
        shown.index = range(start, len(history))
        times = list(range(len(history), len(history) + len(predicted)))
    fig = Figure(figsize=(10, 4))
    ax = fig.subplots()
    ax.plot(shown.index, shown.to_numpy(), color="black", lw=1.5, label="history")
    ax.plot(
        [shown.index[-1], *times],
        [shown.iloc[-1], *predicted],
        color="tab:red",
        lw=1.8,
        marker="o",
        ms=3,
        label=f"forecast ({len(predicted)} steps)",
    )
    ax.axvline(shown.index[-1], color="grey", lw=0.8, ls=":")
    ax.set(title=f"{history.name}: forecast", xlabel=axis)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
