"""The stage plumbing shared by models that rebuild their input image (autoencoders, VAE)."""

from __future__ import annotations

from typing import Any

from torch import Tensor

from litlab.models.base import LitModule


class ReconstructionModel(LitModule):
    """Routes every stage through `shared_step(batch, stage, batch_idx)` and tracks the best
    value of the monitored metric, which subclasses keep in `self.val_metrics`."""

    def shared_step(self, batch: Any, stage: str, batch_idx: int) -> Tensor:
        raise NotImplementedError

    def training_step(self, batch: Any, batch_idx: int) -> Tensor:
        return self.shared_step(batch, "train", batch_idx)

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        self.shared_step(batch, "val", batch_idx)

    def on_validation_epoch_end(self) -> None:
        stage, name = self.monitor.split("/", 1)
        if stage == "val" and name in self.val_metrics and not self.trainer.sanity_checking:
            self.log_best(self.monitor, self.val_metrics[name].compute())

    def test_step(self, batch: Any, batch_idx: int) -> None:
        self.shared_step(batch, "test", batch_idx)

    def predict_step(self, batch: Any, batch_idx: int) -> Tensor:
        x = batch[0] if isinstance(batch, list | tuple) else batch
        return self(x)
