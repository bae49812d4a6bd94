"""One model's predictions on a split of its own datamodule: what ensembles average."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from litlab.data.base import LitDataModule
from litlab.errors import ConfigError
from litlab.models.base import LitModule


@dataclass
class Predictions:
    """A model's predictions and the targets they answer, in the target's own units:
    class probabilities (N, C) and labels (N,), or values and targets of one shape."""

    values: np.ndarray
    targets: np.ndarray
    target: str  # "class" or "value"


@torch.no_grad()
def predict_split(model: LitModule, datamodule: LitDataModule, split: str) -> Predictions:
    """`model`'s predictions (its `predict_step`: softmax or unscaled values) on `split` of
    `datamodule`, whose batches go through the datamodule's own preparation, unaugmented."""
    target = model.spec.target
    if target not in ("class", "value"):
        raise ConfigError(
            f"ensembles average class probabilities or values; {type(model).__name__} predicts "
            f"{model.spec.describe()}."
        )
    model.eval()
    loader = datamodule.make_loader(datamodule.split_set(split), shuffle=False)
    values, targets = [], []
    for index, batch in enumerate(loader):
        batch = [t.to(model.device) for t in batch]
        batch = datamodule.on_after_batch_transfer(batch, 0)
        pred = model.predict_step(batch, index)
        y = batch[-1]
        if target == "value":  # the loader's targets are scaled as the model's outputs were
            y = model.unscale(y.view_as(pred).float())
        values.append(pred.float().cpu())
        targets.append(y.cpu())
    return Predictions(torch.cat(values).numpy(), torch.cat(targets).numpy(), target)
