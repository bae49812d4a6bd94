"""Stops training once the loss stops being a finite number."""

from __future__ import annotations

from typing import Any

import pytorch_lightning as pl
import torch
from torch import Tensor

from litlab.callbacks.base import LitCallback
from litlab.errors import NonFiniteLossError

ADVICE = "lower the learning rate or enable gradient clipping."


class FiniteLoss(LitCallback):
    """Raises NonFiniteLossError on a NaN/inf training loss.

    Reads what `training_step` returns: a loss tensor, or a dict whose tensors are all checked
    (models with manual optimization, like the GAN, return their losses that way).

    On the CPU every step is checked as it ends. On a GPU, reading a flag back waits for the
    device, so each step only folds its losses into a flag on the device, read every
    `check_every_n_steps` steps (default: `trainer.log_every_n_steps`), before validation, at
    the epoch's end and before any checkpoint is written. Either way the last checkpoint
    written before it stays as it was (the last good one) and the run is marked failed;
    nothing is saved from a broken step.
    """

    def __init__(self, check_every_n_steps: int | None = None) -> None:
        self.check_every_n_steps = check_every_n_steps
        self.finite: dict[str, Tensor] = {}  # per loss: all finite since the last check
        self.last: dict[str, Tensor] = {}
        self.since: tuple[int, int] = (0, 0)  # (epoch, step) of the last check

    def on_train_batch_end(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
    ) -> None:
        losses = self.losses(trainer, outputs)
        if not losses:
            return
        every = self.check_every_n_steps
        if every is None:
            on_cpu = next(iter(losses.values())).device.type == "cpu"
            every = 1 if on_cpu else trainer.log_every_n_steps
        if every <= 1:  # reading the flag costs nothing: check this step alone
            for name, loss in losses.items():
                if not torch.isfinite(loss).all():
                    value = loss.float().mean().item()
                    where = f"epoch {trainer.current_epoch}, step {trainer.global_step}"
                    raise NonFiniteLossError(
                        f"the training {name} became {value} at {where}; {ADVICE}"
                    )
            return
        for name, loss in losses.items():
            finite = torch.isfinite(loss.detach()).all()
            self.finite[name] = finite & self.finite[name] if name in self.finite else finite
        self.last = {name: loss.detach() for name, loss in losses.items()}
        if trainer.global_step % every == 0:
            self.check(trainer)

    @staticmethod
    def losses(trainer: pl.Trainer, outputs: Any) -> dict[str, Tensor]:
        losses = dict(outputs) if isinstance(outputs, dict) else {"loss": outputs}
        if all(v is None for v in losses.values()):
            losses = {"loss": trainer.callback_metrics.get("train/loss_step")}
        return {k: v for k, v in losses.items() if isinstance(v, Tensor)}

    def check(self, trainer: pl.Trainer) -> None:
        """Read the flags folded since the last check (waits for the device)."""
        bad = [name for name, finite in self.finite.items() if not bool(finite)]
        start_epoch, start_step = self.since
        self.finite, self.since = {}, (trainer.current_epoch, trainer.global_step)
        if bad:
            value = self.last[bad[0]].float().mean().item()
            raise NonFiniteLossError(
                f"the training {bad[0]} became {value} between epoch {start_epoch}, step "
                f"{start_step} and epoch {trainer.current_epoch}, step {trainer.global_step}; "
                f"{ADVICE}"
            )

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.finite, self.since = {}, (trainer.current_epoch, trainer.global_step)

    def on_validation_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.check(trainer)  # no need to validate broken weights

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.check(trainer)

    def on_save_checkpoint(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, checkpoint: dict[str, Any]
    ) -> None:
        self.check(trainer)  # raising here writes nothing: the checkpoint is built first
