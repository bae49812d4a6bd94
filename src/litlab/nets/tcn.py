"""Temporal convolutional net: causal, dilated 1-D convolutions with residual connections."""

from __future__ import annotations

from collections.abc import Sequence

import torch.nn.functional as F
from torch import Tensor, nn

from litlab.nets.activations import make_activation


class CausalBlock(nn.Module):
    """Two causal convolutions (left padding only, so step t never sees t+1) and a residual."""

    def __init__(self, c_in: int, c_out: int, kernel: int, dilation: int, act: str, p: float):
        super().__init__()
        self.pad = (kernel - 1) * dilation
        self.conv1 = nn.Conv1d(c_in, c_out, kernel, dilation=dilation)
        self.conv2 = nn.Conv1d(c_out, c_out, kernel, dilation=dilation)
        self.act1, self.act2 = make_activation(act), make_activation(act)
        self.drop = nn.Dropout(p)
        self.skip = nn.Conv1d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        h = self.drop(self.act1(self.conv1(F.pad(x, (self.pad, 0)))))
        h = self.drop(self.act2(self.conv2(F.pad(h, (self.pad, 0)))))
        return h + self.skip(x)


class TCN(nn.Module):
    """Input (N, L, F) -> (N, out_features); block i has dilation 2**i, so the receptive field
    grows exponentially with depth."""

    inputs = ("sequence",)

    def __init__(
        self,
        in_shape: Sequence[int],
        out_features: int,
        channels: Sequence[int] = (32, 32, 32),
        kernel_size: int = 3,
        activation: str = "relu",
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        widths = [in_shape[-1], *channels]
        self.blocks = nn.Sequential(
            *(
                CausalBlock(widths[i], widths[i + 1], kernel_size, 2**i, activation, dropout)
                for i in range(len(channels))
            )
        )
        self.head = nn.Linear(widths[-1], out_features)

    def forward(self, x: Tensor) -> Tensor:
        h = self.blocks(x.transpose(1, 2))
        return self.head(h[:, :, -1])
