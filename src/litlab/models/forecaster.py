"""Forecaster: a regressor on sequence windows, scored per horizon step."""

from __future__ import annotations

import logging
import math
from typing import Any

import torch
from torch import nn
from torchmetrics import MeanAbsoluteError, MeanSquaredError

from litlab.data.forecast_baselines import fit_linear_ar
from litlab.models.regressor import Regressor

log = logging.getLogger(__name__)


class Forecaster(Regressor):
    """Predicts the next `horizon` values of the target from a `lookback` window.

    With `linear_skip` (LSTNet's highway, DLinear) the forecast is a linear map of the whole
    window plus the net's output times a learned scale. When fitting starts, the linear map is
    set to the least-squares AR fit on the training windows (the `linear_ar` baseline's own
    fit) and the scale to zero, so training starts from the AR forecasts and the net only adds
    what the linear model misses. The linear map stays at that fit unless `train_skip` (training
    it too was within noise of AR on the series tried, sometimes 10% worse on co2). A resumed
    fit takes both from the checkpoint.

    Besides the regressor's metrics (original units, all steps pooled), testing logs
    `test/rmse_h1`, `test/mae_h1`, ... per horizon step and keeps the test forecasts
    (`test_forecasts`: (prediction, actual) pairs in original units) for the forecast figure.
    """

    inputs = ("sequence",)
    targets = ("value",)

    def __init__(
        self,
        *args: Any,
        residual: bool = False,
        linear_skip: bool = True,
        train_skip: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.residual = residual
        steps = self.target_shape[0]
        self.skip: nn.Linear | None = None
        if linear_skip:
            self.skip = nn.Linear(math.prod(self.spec.input_shape), math.prod(self.target_shape))
            nn.init.zeros_(self.skip.weight)
            nn.init.zeros_(self.skip.bias)
            self.skip.requires_grad_(train_skip)
            self.net_scale = nn.Parameter(torch.zeros(()))
            self.register_buffer("skip_fitted", torch.tensor(False))
        self.test_rmse_steps = nn.ModuleList(MeanSquaredError(squared=False) for _ in range(steps))
        self.test_mae_steps = nn.ModuleList(MeanAbsoluteError() for _ in range(steps))
        self.test_forecasts: list[tuple[torch.Tensor, torch.Tensor]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Scaled forecasts; with `residual` the model predicts the change from the window's
        last target value, so a trend that leaves the training range does not pull forecasts
        back."""
        pred = super().forward(x)
        if self.skip is not None:
            pred = self.skip(x.flatten(1)).view_as(pred) + self.net_scale * pred
        return pred + x[:, -1:, 0] if self.residual else pred

    # ------------------------------------------------------------------ the linear start
    def setup(self, stage: str) -> None:
        # runs before Lightning restores a checkpoint, so a resumed fit keeps its own weights
        if stage == "fit" and self.skip is not None and not bool(self.skip_fitted):
            self.fit_skip()

    @torch.no_grad()
    def fit_skip(self) -> None:
        """The linear skip := the least-squares AR fit on the training windows; net scale 0."""
        datamodule = self.trainer.datamodule if self.trainer is not None else None
        if datamodule is None:
            log.warning("Forecaster: no datamodule, so the linear skip starts at zero.")
            return
        xs, ys = zip(*(batch[:2] for batch in datamodule.train_dataloader()), strict=True)
        x, y = torch.cat(xs).double(), torch.cat(ys).double().flatten(1)
        if self.residual:  # the skip then fits the change from the last value, as the net does
            y = y - x[:, -1:, 0]
        coef, intercept = fit_linear_ar(x.numpy(), y.numpy())
        self.skip.weight.copy_(torch.from_numpy(coef))
        self.skip.bias.copy_(torch.from_numpy(intercept))
        self.net_scale.zero_()
        self.skip_fitted.fill_(True)
        log.info("Forecaster: linear skip set to the AR fit on %d training windows", len(x))

    # ------------------------------------------------------------------ testing
    def on_test_epoch_start(self) -> None:
        self.test_forecasts = []

    def test_step(self, batch: Any, batch_idx: int) -> None:
        _, pred, y = self.shared_step(batch, "test")
        self.test_forecasts.append((pred.cpu(), y.cpu()))
        for h, (rmse, mae) in enumerate(
            zip(self.test_rmse_steps, self.test_mae_steps, strict=True)
        ):
            rmse.update(pred[:, h], y[:, h])
            mae.update(pred[:, h], y[:, h])

    def on_test_epoch_end(self) -> None:
        super().on_test_epoch_end()
        for h, (rmse, mae) in enumerate(
            zip(self.test_rmse_steps, self.test_mae_steps, strict=True)
        ):
            self.log(f"test/rmse_h{h + 1}", rmse)
            self.log(f"test/mae_h{h + 1}", mae)
