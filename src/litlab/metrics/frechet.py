"""Fréchet distance between two feature distributions (the formula of FID), on any features.

litlab reports an *offline* FID: the features come from a small classifier trained by litlab on
the same dataset (see `feature_classifier.py`), not from Inception, so no weights are
downloaded. Values are comparable between runs that use the same feature classifier, never
with published Inception FIDs.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torchmetrics import Metric


def frechet_distance(mu1: Tensor, sigma1: Tensor, mu2: Tensor, sigma2: Tensor) -> Tensor:
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)), in float64.

    Tr((S1 S2)^(1/2)) is the sum of square roots of the eigenvalues of S1 S2, which are real
    and non-negative for covariance matrices (up to rounding, clamped here).
    """
    mu1, mu2, sigma1, sigma2 = (t.double() for t in (mu1, mu2, sigma1, sigma2))
    eigenvalues = torch.linalg.eigvals(sigma1 @ sigma2).real.clamp_min(0)
    trace_sqrt = eigenvalues.sqrt().sum()
    return (mu1 - mu2).square().sum() + sigma1.trace() + sigma2.trace() - 2 * trace_sqrt


class FrechetDistance(Metric):
    """Fréchet distance between streamed (N, D) features of real and generated images.

    Keeps sums and outer-product sums (exact, and summed across processes under DDP), like
    torchmetrics' FID does; the caller computes the features, so the feature net never
    becomes part of the metric or of checkpoints.
    """

    full_state_update = False
    higher_is_better = False

    def __init__(self, num_features: int, **kwargs) -> None:
        super().__init__(**kwargs)
        d = num_features
        for side in ("real", "fake"):
            self.add_state(f"{side}_sum", torch.zeros(d, dtype=torch.double), "sum")
            self.add_state(f"{side}_outer", torch.zeros(d, d, dtype=torch.double), "sum")
            self.add_state(f"{side}_n", torch.zeros((), dtype=torch.long), "sum")

    def update(self, features: Tensor, real: bool) -> None:
        feats = features.flatten(1).double()
        side = "real" if real else "fake"
        setattr(self, f"{side}_sum", getattr(self, f"{side}_sum") + feats.sum(0))
        setattr(self, f"{side}_outer", getattr(self, f"{side}_outer") + feats.T @ feats)
        setattr(self, f"{side}_n", getattr(self, f"{side}_n") + len(feats))

    def _moments(self, side: str) -> tuple[Tensor, Tensor]:
        n = getattr(self, f"{side}_n").double()
        if n < 2:
            raise RuntimeError("FrechetDistance needs at least two real and two fake images")
        mean = getattr(self, f"{side}_sum") / n
        cov = (getattr(self, f"{side}_outer") - n * torch.outer(mean, mean)) / (n - 1)
        return mean, cov

    def compute(self) -> Tensor:
        return frechet_distance(*self._moments("real"), *self._moments("fake")).float()
