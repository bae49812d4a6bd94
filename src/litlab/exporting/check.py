"""Real inputs for checking an exported file: the first test batch of the data the model
trained on, as the file takes it and as the checkpoint's model takes it, and the checkpoint's
own outputs on it (PyTorch, eval mode, no gradients)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from litlab.data.base import LitDataModule
from litlab.exporting.graph import InferenceGraph
from litlab.models.detector import Detector


@dataclass(frozen=True)
class Sample:
    """`n` test examples: the exported file's inputs and the checkpoint's outputs for them."""

    inputs: tuple[Tensor, ...]
    expected: Tensor

    def __len__(self) -> int:
        return len(self.inputs[0])


def first_test_batch(datamodule: LitDataModule) -> Any:
    return next(iter(datamodule.test_dataloader()))


def sample(graph: InferenceGraph, datamodule: LitDataModule, batch: Any, n: int) -> Sample:
    """The first `n` examples of a loader batch, for the file and for the checkpoint."""
    batch = tuple(part[:n] for part in batch)  # tensors, or a detection batch's target list
    model, kind = graph.model, graph.spec.input_kind
    if kind == "image":
        pixels = batch[0].float() / datamodule.max_value  # what the file takes
        batch = datamodule.prepare_batch(batch)  # what the model trained on
        inputs: tuple[Tensor, ...] = (pixels,)
    elif kind == "sequence":
        mean, std = torch.tensor(graph.spec.mean), torch.tensor(graph.spec.std)
        inputs = (batch[0] * std + mean,)  # windows in the series' own units
    else:
        inputs = tuple(batch[: len(graph.input_names)])
    with torch.no_grad():
        # the model's own inference output; a detector's raw grid (`detect` decodes it outside)
        detector = isinstance(model, Detector)
        expected = model(batch[0]) if detector else model.predict_step(batch, 0)
    return Sample(inputs, expected)


def max_abs_difference(got: Tensor, expected: Tensor) -> float:
    """The largest absolute difference; infinite when the shapes differ."""
    if got.shape != expected.shape:
        return float("inf")
    return float((got.float() - expected.float()).abs().max())


def within(got: Tensor, expected: Tensor, atol: float, rtol: float) -> bool:
    """torch.allclose's test, false for differing shapes (a batch axis that did not follow)."""
    return got.shape == expected.shape and torch.allclose(got.float(), expected.float(), rtol, atol)
