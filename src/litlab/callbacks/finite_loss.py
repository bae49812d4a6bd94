"""Stops training the moment the loss stops being a finite number."""

from __future__ import annotations

from typing import Any

import pytorch_lightning as pl
import torch

from litlab.errors import NonFiniteLossError


class FiniteLoss(pl.Callback):
    """Raises NonFiniteLossError on a NaN/inf training loss.

    Reads what `training_step` returns: a loss tensor, or a dict whose tensors are all checked
    (models with manual optimization, like the GAN, return their losses that way).

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
        losses = dict(outputs) if isinstance(outputs, dict) else {"loss": outputs}
        if all(v is None for v in losses.values()):
            losses = {"loss": trainer.callback_metrics.get("train/loss_step")}
        for name, loss in losses.items():
            if isinstance(loss, torch.Tensor) and not torch.isfinite(loss).all():
                raise NonFiniteLossError(
                    f"the training {name} became {loss.float().mean().item()} at epoch "
                    f"{trainer.current_epoch}, step {trainer.global_step}; lower the learning "
                    "rate or enable gradient clipping."
                )
