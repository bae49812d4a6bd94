"""Convolutional encoder/decoder pair that adapts to any (C, H, W) image shape."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from torch import Tensor, nn

from litlab.nets.activations import make_activation


def conv_layer(c_in: int, c_out: int, act: str, batch_norm: bool, stride: int = 1) -> nn.Sequential:
    """3x3 convolution (optionally strided), batch norm, activation."""
    layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, 3, stride, 1, bias=not batch_norm)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(c_out))
    layers.append(make_activation(act))
    return nn.Sequential(*layers)


def downsampled_sizes(h: int, w: int, steps: int) -> list[tuple[int, int]]:
    """Spatial sizes after each stride-2 step; a step is skipped once the image is below 4."""
    sizes = [(h, w)]
    for _ in range(steps):
        if min(h, w) >= 4:
            h, w = (h + 1) // 2, (w + 1) // 2
        sizes.append((h, w))
    return sizes


class ConvEncoder(nn.Module):
    """Strided conv layers (one per `channels` entry, each followed by `depth - 1` unstrided
    ones), then a linear map to `out_features`."""

    def __init__(
        self,
        in_shape: Sequence[int],
        out_features: int,
        channels: Sequence[int] = (32, 64),
        activation: str = "relu",
        batch_norm: bool = True,
        depth: int = 1,
    ) -> None:
        super().__init__()
        c, h, w = in_shape
        sizes = downsampled_sizes(h, w, len(channels))
        layers = []
        for i, width in enumerate(channels):
            stride = 2 if sizes[i + 1] != sizes[i] else 1
            layers.append(conv_layer(c, width, activation, batch_norm, stride))
            layers += [conv_layer(width, width, activation, batch_norm) for _ in range(depth - 1)]
            c = width
        self.features = nn.Sequential(*layers)
        h, w = sizes[-1]
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(c * h * w, out_features))

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))


class ConvDecoder(nn.Module):
    """The encoder's mirror: a linear map to a small feature map, then stride-2 transposed
    convolutions back to exactly `out_shape` (the last one gives the image channels). Returns
    unbounded values (logits or means: the model decides). `depth - 1` unstrided convs come
    before each upsampling."""

    def __init__(
        self,
        out_shape: Sequence[int],
        in_features: int,
        channels: Sequence[int] = (32, 64),
        activation: str = "relu",
        batch_norm: bool = True,
        depth: int = 1,
    ) -> None:
        super().__init__()
        c_out, h, w = out_shape
        sizes = downsampled_sizes(h, w, len(channels))[::-1]  # small to large
        widths = [*list(channels)[::-1], c_out]
        self.start = (widths[0], *sizes[0])
        self.project = nn.Sequential(
            nn.Linear(in_features, widths[0] * sizes[0][0] * sizes[0][1]),
            make_activation(activation),
        )
        layers: list[nn.Module] = []
        for i, (c_in, c_next) in enumerate(itertools.pairwise(widths)):
            layers += [conv_layer(c_in, c_in, activation, batch_norm) for _ in range(depth - 1)]
            layers.append(upsample_layer(c_in, c_next, sizes[i], sizes[i + 1]))
            if i + 1 < len(channels):
                if batch_norm:
                    layers.append(nn.BatchNorm2d(c_next))
                layers.append(make_activation(activation))
        self.layers = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return self.layers(self.project(z).view(-1, *self.start))


def upsample_layer(
    c_in: int, c_out: int, size: tuple[int, int], target: tuple[int, int]
) -> nn.Module:
    """A transposed conv from `size` to exactly `target` (2x, or 2x - 1 for odd sides), or a
    3x3 conv when the size stays."""
    if size == target:
        return nn.Conv2d(c_in, c_out, 3, padding=1)
    kernel = tuple(4 if t == 2 * s else 3 for s, t in zip(size, target, strict=True))
    return nn.ConvTranspose2d(c_in, c_out, kernel, stride=2, padding=1)


class ConvAutoencoder(nn.Module):
    """Encoder to a `latent_dim` code and decoder back. With `variational=True` the encoder
    gives a mean and a log-variance per latent dimension (2 * latent_dim outputs)."""

    def __init__(
        self,
        in_shape: Sequence[int],
        latent_dim: int = 32,
        channels: Sequence[int] = (32, 64),
        activation: str = "relu",
        batch_norm: bool = True,
        variational: bool = False,
        depth: int = 1,
    ) -> None:
        super().__init__()
        self.in_shape = tuple(in_shape)
        self.latent_dim = latent_dim
        outputs = 2 * latent_dim if variational else latent_dim
        self.encoder = ConvEncoder(in_shape, outputs, channels, activation, batch_norm, depth)
        self.decoder = ConvDecoder(in_shape, latent_dim, channels, activation, batch_norm, depth)

    def encode(self, x: Tensor) -> Tensor:
        return self.encoder(x)

    def decode(self, z: Tensor) -> Tensor:
        return self.decoder(z)

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))
