"""ResNet-18 in the CIFAR style: a 3x3 stem with no max-pool, so 32x32 inputs keep detail."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from litlab.nets.activations import make_activation


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int, act: str) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False),
            nn.BatchNorm2d(c_out),
            make_activation(act),
            nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False),
            nn.BatchNorm2d(c_out),
        )
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out)
            )
        self.act = make_activation(act)

    def forward(self, x: Tensor) -> Tensor:
        return self.act(self.body(x) + self.shortcut(x))


class ResNet18(nn.Module):
    """Four stages of two basic blocks; `width` scales every stage (64 is the paper's)."""

    def __init__(
        self,
        in_shape: Sequence[int],
        out_features: int,
        width: int = 64,
        activation: str = "relu",
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        c = in_shape[0]
        layers: list[nn.Module] = [
            nn.Conv2d(c, width, 3, 1, 1, bias=False),
            nn.BatchNorm2d(width),
            make_activation(activation),
        ]
        c_in = width
        for stage in range(4):
            c_out = width * 2**stage
            for block in range(2):
                stride = 2 if stage > 0 and block == 0 else 1
                layers.append(BasicBlock(c_in, c_out, stride, activation))
                c_in = c_out
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(c_in, out_features))

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))
