"""Offline FID: the Fréchet distance formula and its streaming metric."""

from __future__ import annotations

import torch

from litlab.metrics.frechet import FrechetDistance, frechet_distance


def gaussian(n: int, dim: int, shift: float = 0.0, scale: float = 1.0, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, dim, generator=generator) * scale + shift


def streamed(real: torch.Tensor, fake: torch.Tensor, batch: int = 100) -> float:
    metric = FrechetDistance(real.shape[1])
    for chunk in real.split(batch):
        metric.update(chunk, real=True)
    for chunk in fake.split(batch):
        metric.update(chunk, real=False)
    return float(metric.compute())


def test_closed_form_for_gaussians():
    eye = torch.eye(3)
    mu = torch.tensor([1.0, 2.0, 2.0])
    # same covariance: only the squared distance of the means remains
    assert torch.isclose(frechet_distance(torch.zeros(3), eye, mu, eye), torch.tensor(9.0).double())
    # 1-d: (mu1 - mu2)^2 + (s1 - s2)^2
    one, four = torch.ones(1, 1), torch.full((1, 1), 4.0)
    assert torch.isclose(
        frechet_distance(torch.zeros(1), one, torch.zeros(1), four), torch.tensor(1.0).double()
    )


def test_a_distribution_against_itself_is_zero_and_shifted_data_is_not():
    real = gaussian(2000, 8, seed=0)
    assert abs(streamed(real, real)) < 1e-6
    same_distribution = streamed(real, gaussian(2000, 8, seed=1))
    shifted = streamed(real, gaussian(2000, 8, shift=1.0, seed=1))
    wider = streamed(real, gaussian(2000, 8, scale=2.0, seed=1))
    assert same_distribution < 0.1
    assert abs(shifted - 8.0) < 0.5  # ||shift||^2 = 8 * 1^2
    assert abs(wider - 8.0) < 0.7  # 8 * (2 - 1)^2


def test_streaming_matches_the_moments_of_all_features_at_once():
    real, fake = gaussian(500, 4, seed=2), gaussian(300, 4, shift=0.3, scale=1.5, seed=3)
    direct = frechet_distance(real.mean(0), real.T.cov(), fake.mean(0), fake.T.cov())
    assert abs(streamed(real, fake, batch=64) - float(direct)) < 1e-4
