"""Per-step training accumulators: the epoch mean of a loss and the fraction of right answers.

They run on every training step, so they do only what an epoch figure needs: no input checks
and no NaN look (on a GPU each look waits for the device), which torchmetrics' `MeanMetric`
and `MulticlassAccuracy` do on every update; validation and test keep those. States are
sums, so values synced over processes are exact.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torchmetrics import Metric


class RunningMean(Metric):
    """Weighted mean of everything added this epoch, like `MeanMetric(nan_strategy="disable")`.

    A NaN that gets in makes the mean NaN rather than being quietly left out (a NaN loss stops
    the run anyway: callbacks.FiniteLoss).
    """

    full_state_update = False
    total: Tensor
    weight: Tensor

    def __init__(self) -> None:
        super().__init__()
        self.add_state("total", torch.tensor(0.0), dist_reduce_fx="sum")
        self.add_state("weight", torch.tensor(0.0), dist_reduce_fx="sum")

    def update(self, value: Tensor | float, weight: float | Tensor = 1.0) -> None:
        # torchmetrics runs `update` with gradients off: nothing here joins the autograd graph
        one = not isinstance(value, Tensor) or value.ndim == 0
        if one and isinstance(weight, int | float):  # a step's loss or a number: one kernel
            self.total.add_(value, alpha=weight)
            self.weight.add_(weight)
            return
        weights = torch.broadcast_to(torch.as_tensor(weight, device=value.device), value.shape)
        self.total.add_((value * weights).sum())
        self.weight.add_(weights.sum())

    def compute(self) -> Tensor:
        return self.total / self.weight


class RunningAccuracy(Metric):
    """Fraction of predicted class indices equal to their targets (micro accuracy)."""

    full_state_update = False
    correct: Tensor
    total: Tensor

    def __init__(self) -> None:
        super().__init__()
        self.add_state("correct", torch.tensor(0), dist_reduce_fx="sum")
        self.add_state("total", torch.tensor(0), dist_reduce_fx="sum")

    def update(self, preds: Tensor, target: Tensor) -> None:
        self.correct.add_((preds == target).sum())
        self.total.add_(target.numel())

    def compute(self) -> Tensor:
        return self.correct.float() / self.total
