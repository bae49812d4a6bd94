"""Gradual unfreezing: the net's backbone trains from a set epoch, at a fraction of the head's
learning rate (Lightning's BaseFinetuning API, whose state rides in the checkpoint)."""

from __future__ import annotations

from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import BaseFinetuning
from torch import nn
from torch.optim import Optimizer

from litlab.errors import ConfigError

BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)


def backbone_of(pl_module: pl.LightningModule) -> nn.Module:
    """The `backbone` of the model's net (litlab.nets.TorchvisionNet has one)."""
    backbone = getattr(getattr(pl_module, "net", None), "backbone", None)
    if not isinstance(backbone, nn.Module):
        raise ConfigError(
            "callbacks.backbone_finetuning needs a net with a backbone "
            "(model/net=mobilenet_v3_small or resnet18_tv with model.net.freeze_until set)."
        )
    return backbone


class BackboneFinetuning(BaseFinetuning):
    """Keep the backbone frozen until epoch `unfreeze_at_epoch`, then train it in its own
    optimizer group whose learning rate stays `backbone_lr_ratio` x the head's, step by step,
    whatever the head's schedule does. `train_bn`: whether the frozen backbone's batch-norm
    layers still learn while frozen; if not, they normalise with their running statistics
    (as at evaluation) instead of each batch's."""

    def __init__(
        self, unfreeze_at_epoch: int = 1, backbone_lr_ratio: float = 0.1, train_bn: bool = False
    ) -> None:
        super().__init__()
        if unfreeze_at_epoch < 0:
            raise ConfigError(f"unfreeze_at_epoch must be 0 or more, got {unfreeze_at_epoch}.")
        if not backbone_lr_ratio > 0:
            raise ConfigError(f"backbone_lr_ratio must be above 0, got {backbone_lr_ratio}.")
        self.unfreeze_at_epoch = unfreeze_at_epoch
        self.backbone_lr_ratio = backbone_lr_ratio
        self.train_bn = train_bn
        self.unfrozen = False

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "unfrozen": self.unfrozen}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.unfrozen = bool(state_dict.get("unfrozen", False))
        super().load_state_dict(state_dict)

    def freeze_before_training(self, pl_module: pl.LightningModule) -> None:
        self.freeze(backbone_of(pl_module), train_bn=self.train_bn)

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # a resumed run past the unfreeze epoch gets its backbone group back (BaseFinetuning)
        # and its backbone trainable again (which BaseFinetuning leaves frozen)
        super().on_fit_start(trainer, pl_module)
        if self.unfrozen:
            self.make_trainable(backbone_of(pl_module))

    def finetune_function(
        self, pl_module: pl.LightningModule, epoch: int, optimizer: Optimizer
    ) -> None:
        if epoch >= self.unfreeze_at_epoch and not self.unfrozen:
            self.unfreeze_and_add_param_group(
                backbone_of(pl_module),
                optimizer,
                lr=optimizer.param_groups[0]["lr"] * self.backbone_lr_ratio,
                train_bn=True,
            )
            self.unfrozen = True

    def on_train_batch_start(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any, batch_idx: int
    ) -> None:
        # frozen norm layers normalise as they will at evaluation (unless train_bn); set on
        # every batch, since Lightning restores the modes it found after each validation
        for module in backbone_of(pl_module).modules():
            if isinstance(module, BATCH_NORMS):
                module.train(self.unfrozen or self.train_bn)
        if not self.unfrozen:
            return
        for optimizer in trainer.optimizers:
            if len(optimizer.param_groups) > 1:
                head = optimizer.param_groups[0]["lr"]
                optimizer.param_groups[-1]["lr"] = head * self.backbone_lr_ratio
