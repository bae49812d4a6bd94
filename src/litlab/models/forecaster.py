"""Forecaster: a regressor on sequence windows, scored per horizon step."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torchmetrics import MeanAbsoluteError, MeanSquaredError

from litlab.models.regressor import Regressor


class Forecaster(Regressor):
    """Predicts the next `horizon` values of the target from a `lookback` window.

    Besides the regressor's metrics (original units, all steps pooled), testing logs
    `test/rmse_h1`, `test/mae_h1`, ... per horizon step and keeps the test forecasts
    (`test_forecasts`: (prediction, actual) pairs in original units) for the forecast figure.
    """

    inputs = ("sequence",)

    def __init__(self, *args: Any, residual: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.residual = residual
        steps = self.target_shape[0]
        self.test_rmse_steps = nn.ModuleList(MeanSquaredError(squared=False) for _ in range(steps))
        self.test_mae_steps = nn.ModuleList(MeanAbsoluteError() for _ in range(steps))
        self.test_forecasts: list[tuple[torch.Tensor, torch.Tensor]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Scaled forecasts; with `residual` the net predicts the change from the window's last
        target value, so a trend that leaves the training range does not pull forecasts back."""
        pred = super().forward(x)
        return pred + x[:, -1:, 0] if self.residual else pred

    def on_test_epoch_start(self) -> None:
        self.test_forecasts = []

    def test_step(self, batch: Any, batch_idx: int) -> None:
        _, pred, y = self.shared_step(batch, "test")
        self.test_forecasts.append((pred.cpu(), y.cpu()))
        for h, (rmse, mae) in enumerate(
            zip(self.test_rmse_steps, self.test_mae_steps, strict=True)
        ):
            rmse(pred[:, h], y[:, h])
            mae(pred[:, h], y[:, h])
            self.log(f"test/rmse_h{h + 1}", rmse, on_epoch=True)
            self.log(f"test/mae_h{h + 1}", mae, on_epoch=True)
