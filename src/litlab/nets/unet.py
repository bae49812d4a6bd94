"""A small U-Net: image in, image of the same shape out, with skip connections at every scale.

Unlike ConvAutoencoder it has no bottleneck vector, so thin strokes and edges pass straight
through the skips: the usual net for denoising and inpainting, where the input already holds
most of the answer.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from litlab.nets.cnn import conv_block


class UNet(nn.Module):
    """One double-conv block per entry of `channels`, halving the image between blocks while it
    is at least 2 px; the decoder upsamples back to each skip's exact size (odd sizes too)."""

    inputs = ("image",)

    def __init__(
        self,
        in_shape: Sequence[int],
        channels: Sequence[int] = (32, 64, 128),
        activation: str = "relu",
        batch_norm: bool = True,
    ) -> None:
        super().__init__()
        c_in = in_shape[0]
        self.down = nn.ModuleList()
        previous = c_in
        for width in channels:
            self.down.append(conv_block(previous, width, activation, batch_norm, pool=False))
            previous = width
        self.up = nn.ModuleList()
        for width in reversed(channels[:-1]):
            self.up.append(conv_block(previous + width, width, activation, batch_norm, pool=False))
            previous = width
        self.head = nn.Conv2d(previous, c_in, kernel_size=1)

    def forward(self, x: Tensor) -> Tensor:
        skips = []
        for i, block in enumerate(self.down):
            if i and min(x.shape[-2:]) >= 2:
                x = F.max_pool2d(x, 2)
            x = block(x)
            skips.append(x)
        skips.pop()
        for block in self.up:
            skip = skips.pop()
            x = F.interpolate(x, size=skip.shape[-2:], mode="nearest")
            x = block(torch.cat([x, skip], dim=1))
        return self.head(x)
