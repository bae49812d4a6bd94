"""Offline FID: torchmetrics' FrechetInceptionDistance on litlab's feature net agrees with an
independent Fréchet distance (numpy + scipy.linalg.sqrtm) on the same features."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch
from torch import nn

from litlab.metrics.fid import offline_fid

DIM = 6


def feature_net() -> nn.Module:
    """A fixed random map from 1x4x4 images to DIM features (a stand-in for the classifier)."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(16, 12), nn.Tanh(), nn.Linear(12, DIM)).eval()


def images(n: int, shift: float = 0.0, scale: float = 1.0, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, 1, 4, 4, generator=generator) * scale + shift


def reference_fid(real: np.ndarray, fake: np.ndarray) -> float:
    mu1, mu2 = real.mean(0), fake.mean(0)
    s1, s2 = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))


def streamed_fid(net: nn.Module, real: torch.Tensor, fake: torch.Tensor, batch: int = 64) -> float:
    metric = offline_fid(net, DIM, keep_real=False)
    for chunk in real.split(batch):
        metric.update(chunk, real=True)
    for chunk in fake.split(batch):
        metric.update(chunk, real=False)
    return float(metric.compute())


def test_fid_equals_a_scipy_frechet_distance_on_the_same_features():
    net = feature_net()
    real, fake = images(600, seed=1), images(500, shift=0.3, scale=1.4, seed=2)
    with torch.no_grad():
        reference = reference_fid(net(real).double().numpy(), net(fake).double().numpy())
    assert streamed_fid(net, real, fake) == pytest.approx(reference, rel=1e-3)


def test_a_set_against_itself_is_zero_and_fid_grows_with_a_shift():
    net = feature_net()
    real = images(800, seed=3)
    assert abs(streamed_fid(net, real, real)) < 1e-3
    shifts = [streamed_fid(net, real, images(800, shift=s, seed=4)) for s in (0.0, 0.5, 1.0)]
    assert shifts[0] < 0.1 < shifts[1] < shifts[2], shifts


def test_kept_real_statistics_survive_reset_and_the_feature_net_is_never_saved():
    net = feature_net()
    real, fake = images(300, seed=5), images(300, shift=0.5, seed=6)
    metric = offline_fid(net, DIM, keep_real=True)
    metric.update(real, real=True)
    metric.update(fake, real=False)
    first = float(metric.compute())
    metric.reset()
    metric.update(fake, real=False)  # real images not fed again
    assert float(metric.compute()) == pytest.approx(first, rel=1e-6)
    holder = nn.Module()
    holder.fid = metric
    assert holder.state_dict() == {}  # no feature-net weights, no metric states
    assert not list(holder.parameters())
