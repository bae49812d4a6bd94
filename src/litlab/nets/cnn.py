"""A small VGG-style convolutional net that adapts to any image size and channel count."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from litlab.nets.activations import make_activation


def conv_block(c_in: int, c_out: int, act: str, batch_norm: bool, pool: bool) -> nn.Sequential:
    """Two 3x3 convolutions, then 2x2 max pooling while the image is still large enough."""
    layers: list[nn.Module] = []
    for c in (c_in, c_out):
        layers.append(nn.Conv2d(c, c_out, 3, padding=1, bias=not batch_norm))
        if batch_norm:
            layers.append(nn.BatchNorm2d(c_out))
        layers.append(make_activation(act))
    if pool:
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


class CNN(nn.Module):
    """Conv blocks (each halving the image while it is at least 4 pixels), then a linear head."""

    inputs = ("image",)

    def __init__(
        self,
        in_shape: Sequence[int],
        out_features: int,
        channels: Sequence[int] = (32, 64),
        hidden: int = 128,
        activation: str = "relu",
        dropout: float = 0.25,
        batch_norm: bool = True,
    ) -> None:
        super().__init__()
        c, h, w = in_shape
        blocks = []
        for width in channels:
            pool = min(h, w) >= 4
            blocks.append(conv_block(c, width, activation, batch_norm, pool))
            c, h, w = width, h // 2 if pool else h, w // 2 if pool else w
        self.features = nn.Sequential(*blocks)
        with torch.no_grad():
            flat = self.features(torch.zeros(1, *in_shape)).numel()
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(flat, hidden),
            make_activation(activation),
            nn.Dropout(dropout),
            nn.Linear(hidden, out_features),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))
