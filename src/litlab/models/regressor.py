"""Regressor for any input the nets accept; metrics in the target's original units."""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torchmetrics import MeanAbsoluteError, MeanMetric, MeanSquaredError, R2Score

from litlab.errors import ConfigError
from litlab.fits import ANY_INPUT
from litlab.metrics.running import RunningMean
from litlab.models.base import LitModule

LOSSES = ("mse", "mae", "huber")


class Regressor(LitModule):
    """MSE / MAE / Huber regression on the (standardised) target.

    The data's spec says how it scaled the target (`extra.target_mean`, `extra.target_std`);
    predictions are mapped back before `{stage}/rmse`, `{stage}/mae` and `{stage}/r2` are
    computed, so these are in the target's own units. `{stage}/loss` is on the scaled target.
    """

    inputs = ANY_INPUT
    targets = ("value",)

    def __init__(
        self,
        spec: dict[str, Any],
        net: dict[str, Any],
        optimizer: dict[str, Any],
        scheduler: dict[str, Any] | None = None,
        loss: str = "mse",
        huber_delta: float = 1.0,
        monitor: str = "val/rmse",
        mode: str = "min",
    ) -> None:
        super().__init__(spec, optimizer, scheduler, monitor, mode)
        if loss not in LOSSES:
            raise ConfigError(f"model.loss must be one of {', '.join(LOSSES)}, not {loss!r}")
        self.save_hyperparameters()
        shape = tuple(self.spec.target_shape) or (1,)
        self.target_shape = shape
        self.net = self.build_net(
            net, in_shape=self.spec.input_shape, out_features=math.prod(shape)
        )
        extra = self.spec.extra
        self.register_buffer("target_mean", torch.tensor(extra.get("target_mean", [0.0])))
        self.register_buffer("target_std", torch.tensor(extra.get("target_std", [1.0])))
        for stage in ("train", "val", "test"):
            setattr(self, f"{stage}_loss", RunningMean() if stage == "train" else MeanMetric())
            setattr(self, f"{stage}_rmse", MeanSquaredError(squared=False))
            setattr(self, f"{stage}_mae", MeanAbsoluteError())
        self.val_r2, self.test_r2 = R2Score(), R2Score()

    def forward(self, *inputs: Any) -> torch.Tensor:
        """Predictions in the scaled units the net is trained on, shaped like the target."""
        out = self.net(*inputs)
        return out.view(out.shape[0], *self.target_shape)  # not len(): export keeps N symbolic

    def unscale(self, y: torch.Tensor) -> torch.Tensor:
        return y * self.target_std + self.target_mean

    def loss(self, pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.hparams.loss == "mae":
            return F.l1_loss(pred, y)
        if self.hparams.loss == "huber":
            return F.huber_loss(pred, y, delta=self.hparams.huber_delta)
        return F.mse_loss(pred, y)

    def shared_step(self, batch: Any, stage: str) -> tuple[torch.Tensor, ...]:
        *inputs, y = batch
        pred = self(*inputs)
        y = y.view_as(pred).float()
        loss = self.loss(pred, y)
        pred_units, y_units = self.unscale(pred.detach()), self.unscale(y)
        flat_pred, flat_y = pred_units.flatten(), y_units.flatten()
        # per step the metrics only accumulate; they are logged once per epoch
        # (LitModule.log_step_values says why)
        getattr(self, f"{stage}_loss").update(loss.detach(), weight=len(y))
        for name in self.epoch_metrics(stage)[1:]:
            getattr(self, f"{stage}_{name}").update(flat_pred, flat_y)
        return loss, pred_units, y_units

    @staticmethod
    def epoch_metrics(stage: str) -> tuple[str, ...]:
        # R² needs the epoch's rows together; on training batches it would be noise
        return ("loss", "rmse", "mae") if stage == "train" else ("loss", "rmse", "mae", "r2")

    def log_epoch_metrics(self, stage: str) -> None:
        for name in self.epoch_metrics(stage):
            shown = name == "loss" or (stage, name) == ("val", "rmse")
            self.log(f"{stage}/{name}", getattr(self, f"{stage}_{name}"), prog_bar=shown)

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        loss = self.shared_step(batch, "train")[0]
        self.log_step_values({"train/loss_step": loss})
        return loss

    def on_train_epoch_end(self) -> None:
        self.log_epoch_metrics("train")

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        self.shared_step(batch, "val")

    def on_validation_epoch_end(self) -> None:
        self.log_epoch_metrics("val")
        self.log_best("val/rmse", self.val_rmse.compute(), mode="min")

    def test_step(self, batch: Any, batch_idx: int) -> None:
        self.shared_step(batch, "test")

    def on_test_epoch_end(self) -> None:
        self.log_epoch_metrics("test")

    def predict_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        """Predictions in the target's original units."""
        if not isinstance(batch, list | tuple):
            return self.unscale(self(batch))
        inputs = batch[:-1] if len(batch) > 1 else batch
        return self.unscale(self(*inputs))
