"""Classifier for any input the nets accept (images, table rows, sequences)."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torchmetrics import MeanMetric
from torchmetrics.classification import MulticlassAccuracy, MulticlassConfusionMatrix

from litlab.errors import ConfigError
from litlab.fits import ANY_INPUT
from litlab.metrics.running import RunningAccuracy, RunningMean
from litlab.models.base import LitModule


class Classifier(LitModule):
    """Cross-entropy classifier with label smoothing, class weights and L1/L2 penalties.

    Logs `{stage}/loss` and `{stage}/acc`, `val/acc_best`, and keeps a test confusion matrix
    (`test_confmat`) for the figure callbacks.
    """

    inputs = ANY_INPUT
    targets = ("class",)

    def __init__(
        self,
        spec: dict[str, Any],
        net: dict[str, Any],
        optimizer: dict[str, Any],
        scheduler: dict[str, Any] | None = None,
        label_smoothing: float = 0.0,
        class_weights: str | list[float] | None = None,
        l1: float = 0.0,
        l2: float = 0.0,
        monitor: str = "val/acc",
        mode: str = "max",
    ) -> None:
        super().__init__(spec, optimizer, scheduler, monitor, mode)
        self.save_hyperparameters()
        n = self.spec.num_classes
        self.net = self.build_net(net, in_shape=self.spec.input_shape, out_features=n)
        self.register_buffer("class_weights", self.resolve_class_weights(class_weights))
        self.train_loss, self.val_loss, self.test_loss = RunningMean(), MeanMetric(), MeanMetric()
        self.train_acc = RunningAccuracy()  # the per-step hot path: see metrics.running
        self.val_acc = MulticlassAccuracy(n, average="micro")
        self.test_acc = MulticlassAccuracy(n, average="micro")
        self.test_confmat = MulticlassConfusionMatrix(n)

    def resolve_class_weights(self, weights: str | list[float] | None) -> torch.Tensor | None:
        """None, 'balanced' (inverse training frequency, mean 1), or one weight per class."""
        n = self.spec.num_classes
        if weights is None:
            return None
        if weights == "balanced":
            counts = torch.tensor(self.spec.class_counts, dtype=torch.float).clamp_min(1)
            return counts.sum() / (n * counts)
        if isinstance(weights, str) or len(weights) != n:
            raise ConfigError(
                f"model.class_weights must be null, 'balanced' or a list of {n} numbers "
                f"(one per class), got {weights!r}"
            )
        return torch.tensor(weights, dtype=torch.float)

    def forward(self, *inputs: Any) -> torch.Tensor:
        return self.net(*inputs)

    def penalty(self) -> torch.Tensor | None:
        """L1/L2 on weights (not biases or norm layers), added to the training loss; None
        when both are off (adding a zero would still cost an autograd node every step)."""
        l1, l2 = self.hparams.l1, self.hparams.l2
        if not (l1 or l2):
            return None
        weights = [p for p in self.net.parameters() if p.ndim > 1]
        total = 0.0
        if l1:
            total = total + l1 * sum(w.abs().sum() for w in weights)
        if l2:
            total = total + l2 * sum(w.pow(2).sum() for w in weights)
        return total

    def shared_step(self, batch: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        *inputs, y = batch  # (x, y) for images, (x_num, x_cat, y) for table rows
        logits = self(*inputs)
        loss = F.cross_entropy(
            logits, y, weight=self.class_weights, label_smoothing=self.hparams.label_smoothing
        )
        return loss, logits.argmax(dim=1), y

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        # the per-step hot path: loss and accuracy only accumulate (see LitModule.log_step_values)
        loss, preds, y = self.shared_step(batch)
        self.train_loss.update(loss.detach(), weight=len(y))
        self.train_acc.update(preds, y)
        self.log_step_values({"train/loss_step": loss})
        penalty = self.penalty()
        return loss if penalty is None else loss + penalty

    def on_train_epoch_end(self) -> None:
        # computed (over all devices) and reset by Lightning
        self.log("train/loss", self.train_loss, prog_bar=True)
        self.log("train/acc", self.train_acc)

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        loss, preds, y = self.shared_step(batch)
        self.val_loss.update(loss, weight=len(y))
        self.val_acc.update(preds, y)

    def on_validation_epoch_end(self) -> None:
        self.log("val/loss", self.val_loss, prog_bar=True)
        self.log("val/acc", self.val_acc, prog_bar=True)
        self.log_best("val/acc", self.val_acc.compute(), mode="max")

    def test_step(self, batch: Any, batch_idx: int) -> None:
        loss, preds, y = self.shared_step(batch)
        self.test_loss.update(loss, weight=len(y))
        self.test_acc.update(preds, y)
        self.test_confmat.update(preds, y)

    def on_test_epoch_end(self) -> None:
        self.log("test/loss", self.test_loss)
        self.log("test/acc", self.test_acc)

    def predict_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        if not isinstance(batch, list | tuple):
            return self(batch).softmax(dim=1)
        inputs = batch[:-1] if len(batch) > 1 else batch  # drop the labels when present
        return self(*inputs).softmax(dim=1)
