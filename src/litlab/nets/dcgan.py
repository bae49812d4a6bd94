"""DCGAN generator and discriminator that adapt to any (C, H, W) image shape.

Both nets share one rule for how many times the image is halved (`dcgan_levels`): while both
sides are even and the halved side is still at least 4 pixels, up to `max_levels` times. So
28x28 MNIST works at 7x7 -> 14x14 -> 28x28, 32x32 CIFAR at 4 -> 8 -> 16 -> 32 and 8x8 digits
at 4 -> 8. Either net can be label-conditioned: the generator appends a label embedding to the
noise, the discriminator adds a projection term (Miyato & Koyama, 2018).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn


def dcgan_levels(height: int, width: int, max_levels: int = 3) -> int:
    """How many stride-2 stages fit an image of this size."""
    levels = 0
    while (
        levels < max_levels and height % 2 == 0 and width % 2 == 0 and min(height, width) // 2 >= 4
    ):
        height, width, levels = height // 2, width // 2, levels + 1
    return levels


class DCGANGenerator(nn.Module):
    """Noise (and optionally a label) -> image in [-1, 1] (tanh output).

    A linear layer makes a `width * 2**(levels-1)`-channel map at the smallest size, then each
    level doubles the size with a 4x4 transposed convolution and halves the channels.
    """

    def __init__(
        self,
        out_shape: Sequence[int],
        latent_dim: int = 64,
        width: int = 64,
        num_classes: int = 0,
        embed_dim: int = 16,
        max_levels: int = 3,
    ) -> None:
        super().__init__()
        c, h, w = out_shape
        self.latent_dim = latent_dim
        self.num_classes = num_classes
        levels = dcgan_levels(h, w, max_levels)
        h0, w0 = h // 2**levels, w // 2**levels
        channels = width * 2 ** max(levels - 1, 0)
        self.embed = nn.Embedding(num_classes, embed_dim) if num_classes else None
        in_features = latent_dim + (embed_dim if num_classes else 0)
        self.stem = nn.Sequential(
            nn.Linear(in_features, channels * h0 * w0, bias=False),
            nn.Unflatten(1, (channels, h0, w0)),
            nn.BatchNorm2d(channels),
            nn.ReLU(),
        )
        blocks: list[nn.Module] = []
        for _ in range(levels):
            out = max(channels // 2, width)
            blocks += [
                nn.ConvTranspose2d(channels, out, 4, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(out),
                nn.ReLU(),
            ]
            channels = out
        self.blocks = nn.Sequential(*blocks)
        self.to_image = nn.Sequential(nn.Conv2d(channels, c, 3, padding=1), nn.Tanh())

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        if self.embed is not None:
            if labels is None:
                raise ValueError("this generator is conditional: pass labels")
            z = torch.cat([z, self.embed(labels)], dim=1)
        return self.to_image(self.blocks(self.stem(z)))


class DCGANDiscriminator(nn.Module):
    """Image (and optionally a label) -> `out_features` logits.

    Each level halves the size with a 4x4 stride-2 convolution and doubles the channels
    (LeakyReLU 0.2, batch norm after the first level). `features(x)` gives the flattened last
    map, used for feature matching and the projection term. `noise_std` adds Gaussian noise to
    the input while training, which regularises a discriminator that also classifies from few
    labels (Salimans et al., 2016).
    """

    def __init__(
        self,
        in_shape: Sequence[int],
        out_features: int = 1,
        width: int = 64,
        num_classes: int = 0,
        batch_norm: bool = True,
        dropout: float = 0.0,
        max_levels: int = 3,
        noise_std: float = 0.0,
    ) -> None:
        super().__init__()
        c, h, w = in_shape
        self.noise_std = noise_std
        levels = dcgan_levels(h, w, max_levels)
        layers: list[nn.Module] = []
        channels = c
        for i in range(max(levels, 1)):
            out = width * 2**i
            stride, kernel = (2, 4) if i < levels else (1, 3)
            layers.append(
                nn.Conv2d(channels, out, kernel, stride=stride, padding=1, bias=not batch_norm)
            )
            if batch_norm and i > 0:
                layers.append(nn.BatchNorm2d(out))
            layers.append(nn.LeakyReLU(0.2))
            if dropout:
                layers.append(nn.Dropout(dropout))
            channels = out
        layers.append(nn.Flatten())
        self.body = nn.Sequential(*layers)
        with torch.no_grad():
            self.num_features = self.body(torch.zeros(1, c, h, w)).shape[1]
        self.head = nn.Linear(self.num_features, out_features)
        self.embed = nn.Embedding(num_classes, self.num_features) if num_classes else None
        if self.embed is not None:
            # starts as the unconditional critic: N(0, 1) rows over thousands of features give
            # logits of tens and a discriminator loss that never recovers
            nn.init.zeros_(self.embed.weight)

    def features(self, x: Tensor) -> Tensor:
        if self.training and self.noise_std:
            x = x + self.noise_std * torch.randn_like(x)
        return self.body(x)

    def forward(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        h = self.features(x)
        logits = self.head(h)
        if self.embed is not None:
            if labels is None:
                raise ValueError("this discriminator is conditional: pass labels")
            logits = logits + (self.embed(labels) * h).sum(dim=1, keepdim=True)
        return logits
