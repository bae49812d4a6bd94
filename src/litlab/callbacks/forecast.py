"""Forecast vs actual over the test range, with the data's baseline forecasts."""

from __future__ import annotations

import numpy as np
import pytorch_lightning as pl
import torch
from matplotlib.figure import Figure

from litlab.callbacks.figures import FigureCallback


def plot_forecast(
    times: np.ndarray, actual: np.ndarray, forecasts: dict[str, np.ndarray], step: int = 0
) -> Figure:
    """One line per forecaster at horizon step `step` (0: one step ahead), RMSE in the legend."""
    fig = Figure(figsize=(11, 4))
    ax = fig.subplots()
    ax.plot(times, actual[:, step], color="black", lw=2, label="actual")
    for name, pred in forecasts.items():
        rmse = float(np.sqrt(((pred[:, step] - actual[:, step]) ** 2).mean()))
        style = {"lw": 1.8} if name == "network" else {"lw": 1.0, "ls": "--", "alpha": 0.8}
        ax.plot(times, pred[:, step], label=f"{name} (rmse {rmse:.3g})", **style)
    ax.set(title=f"test forecasts, {step + 1} step(s) ahead", xlabel="time of the forecast")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


class ForecastFigure(FigureCallback):
    """Writes `figures/forecast.png` after testing, for models that keep `test_forecasts` on
    data that offers `actuals()` and `baseline_forecasts()`."""

    def draws_for(self, pl_module: pl.LightningModule) -> bool:
        return hasattr(pl_module, "test_forecasts")

    def on_test_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        pairs = getattr(pl_module, "test_forecasts", None)
        data = trainer.datamodule
        if not pairs or not hasattr(data, "baseline_forecasts"):
            return
        pred = torch.cat([p for p, _ in pairs]).numpy()
        actual, times = data.actuals("test")
        if len(pred) != len(actual):  # e.g. limited test batches or a sharded test set
            actual, times = actual[: len(pred)], times[: len(pred)]
        forecasts = {"network": pred}
        forecasts.update({k: v[: len(pred)] for k, v in data.baseline_forecasts().items()})
        self.save(trainer, plot_forecast(times, actual, forecasts), "forecast")
