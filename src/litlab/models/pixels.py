"""Mapping model inputs back to natural [0, 1] pixels and forth, from the data's DataSpec."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torchmetrics.image import StructuralSimilarityIndexMeasure

from litlab.data.spec import DataSpec


class PixelScale(nn.Module):
    """Undoes (and redoes) the per-channel normalisation the datamodule applied; identity when
    the spec records none, since the pixels are then already in [0, 1]."""

    def __init__(self, spec: DataSpec) -> None:
        super().__init__()
        channels = spec.input_shape[0]
        mean = torch.tensor(spec.mean or (0.0,) * channels, dtype=torch.float)
        std = torch.tensor(spec.std or (1.0,) * channels, dtype=torch.float)
        self.register_buffer("mean", mean.view(1, -1, 1, 1), persistent=False)
        self.register_buffer("std", std.view(1, -1, 1, 1), persistent=False)

    def to_pixels(self, x: Tensor) -> Tensor:
        return x * self.std + self.mean

    def from_pixels(self, pixels: Tensor) -> Tensor:
        return (pixels - self.mean) / self.std


def ssim_kernel(shape: tuple[int, ...], largest: int = 11) -> int:
    """The SSIM window side: 11 pixels, or the largest odd size that fits a small image."""
    side = min(shape[-2:])
    return min(largest, side if side % 2 else side - 1)


def ssim_sigma(kernel: int) -> float:
    """The Gaussian's standard deviation for a `kernel`-pixel SSIM window.

    torchmetrics' Gaussian SSIM ignores `kernel_size`: its window is 2 * int(3.5 * sigma + 0.5)
    + 1 pixels, 11 for the standard sigma of 1.5 (Wang et al., 2004). A smaller window keeps the
    standard Gaussian's shape shrunk with it, sigma = 1.5 * kernel / 11 (7 pixels: sigma 0.95),
    which torchmetrics turns back into exactly `kernel` pixels for every odd size up to 11.
    """
    sigma = 1.5 * kernel / 11
    if 2 * int(3.5 * sigma + 0.5) + 1 != kernel:
        raise ValueError(f"no Gaussian SSIM window of {kernel} pixels")
    return sigma


def ssim_metric(shape: tuple[int, ...]) -> StructuralSimilarityIndexMeasure:
    """SSIM on [0, 1] pixels with a Gaussian window of `ssim_kernel(shape)` pixels (reflection
    padding at the borders, as torchmetrics does)."""
    sigma = ssim_sigma(ssim_kernel(shape))
    return StructuralSimilarityIndexMeasure(data_range=1.0, gaussian_kernel=True, sigma=sigma)
