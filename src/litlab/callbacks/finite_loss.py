"""Stops training the moment the loss stops being a finite number."""

from __future__ import annotations

from typing import Any

import pytorch_lightning as pl
import torch

from litlab.errors import NonFiniteLossError


class FiniteLoss(pl.Callback):
    """Raises NonFiniteLossError on a NaN/inf training loss.

    The last checkpoint written before it stays as it was (the last good one) and the run is
    marked failed; nothing is saved from the broken step.
    """

    def on_train_batch_end(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
    ) -> None:
        loss = outputs.get("loss") if isinstance(outputs, dict) else outputs
        if loss is None:
            loss = trainer.callback_metrics.get("train/loss_step")
        if isinstance(loss, torch.Tensor) and not torch.isfinite(loss).all():
            raise NonFiniteLossError(
                f"the training loss became {loss.item()} at epoch {trainer.current_epoch}, "
                f"step {trainer.global_step}; lower the learning rate or enable gradient clipping."
            )
