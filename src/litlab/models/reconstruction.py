"""The stage plumbing shared by models that rebuild their input image (autoencoders, VAE)."""

from __future__ import annotations

from typing import Any

from torch import Tensor

from litlab.models.base import LitModule


class ReconstructionModel(LitModule):
    """Routes every stage through `shared_step(batch, stage, batch_idx)`, which updates the
    stage's metric objects (`self.{stage}_metrics`, a ModuleDict); they are logged once per
    epoch as `{stage}/{name}`, and the best value of the monitored one is tracked.

    Per step the metrics only accumulate, and the training loss goes to the loggers as
    `train/loss_step` on the steps they write (LitModule.log_step_values).
    """

    progress_bar: tuple[str, ...] = ("loss",)  # the metrics shown in the progress bar

    def shared_step(self, batch: Any, stage: str, batch_idx: int) -> Tensor:
        raise NotImplementedError

    def training_step(self, batch: Any, batch_idx: int) -> Tensor:
        loss = self.shared_step(batch, "train", batch_idx)
        self.log_step_values({"train/loss_step": loss})
        return loss

    def log_epoch_metrics(self, stage: str) -> None:
        for name, metric in getattr(self, f"{stage}_metrics").items():
            self.log(f"{stage}/{name}", metric, prog_bar=name in self.progress_bar)

    def on_train_epoch_end(self) -> None:
        self.log_epoch_metrics("train")

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        self.shared_step(batch, "val", batch_idx)

    def on_validation_epoch_end(self) -> None:
        self.log_epoch_metrics("val")
        stage, name = self.monitor.split("/", 1)
        if stage == "val" and name in self.val_metrics and not self.trainer.sanity_checking:
            self.log_best(self.monitor, self.val_metrics[name].compute())

    def test_step(self, batch: Any, batch_idx: int) -> None:
        self.shared_step(batch, "test", batch_idx)

    def on_test_epoch_end(self) -> None:
        self.log_epoch_metrics("test")

    def predict_step(self, batch: Any, batch_idx: int) -> Tensor:
        x = batch[0] if isinstance(batch, list | tuple) else batch
        return self(x)
