"""Mapping model inputs back to natural [0, 1] pixels and forth, from the data's DataSpec."""

from __future__ import annotations

import torch
from torch import Tensor, nn

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
    """The SSIM window: 11 pixels, or the largest odd size that fits a small image."""
    side = min(shape[-2:])
    return min(largest, side if side % 2 else side - 1)
