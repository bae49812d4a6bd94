"""A small single-scale YOLO-style detection net (`model/net=yolo_small`): a Darknet-like conv
backbone and a decoupled grid head (box and objectness in one branch, classes in the other, as
YOLOX does)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from litlab.nets.activations import make_activation


def conv_bn(c_in: int, c_out: int, k: int, stride: int, act: str) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, k, stride, padding=k // 2, bias=False),
        nn.BatchNorm2d(c_out),
        make_activation(act),
    )


class Residual(nn.Module):
    """Darknet's bottleneck: 1x1 down to half the width, 3x3 back up, plus the input."""

    def __init__(self, c: int, act: str) -> None:
        super().__init__()
        self.body = nn.Sequential(conv_bn(c, c // 2, 1, 1, act), conv_bn(c // 2, c, 3, 1, act))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


def darknet_stage(c_in: int, width: int, blocks: int, act: str) -> nn.Sequential:
    """A stride-2 conv to `width` channels, then `blocks` residual blocks."""
    return nn.Sequential(
        conv_bn(c_in, width, 3, 2, act), *(Residual(width, act) for _ in range(blocks))
    )


class Head(nn.Module):
    """YOLOX's decoupled head on one grid: box distances and objectness from one branch,
    class logits from the other."""

    def __init__(self, c: int, width: int, num_classes: int, act: str, prior: float) -> None:
        super().__init__()
        self.box_branch = nn.Sequential(conv_bn(c, width, 3, 1, act), nn.Conv2d(width, 5, 1))
        self.cls_branch = nn.Sequential(
            conv_bn(c, width, 3, 1, act), nn.Conv2d(width, num_classes, 1)
        )
        # every cell starts at a low objectness / class probability (RetinaNet's prior), so
        # the many empty cells do not swamp the first steps
        bias = -math.log((1 - prior) / prior)
        with torch.no_grad():
            self.box_branch[-1].bias[4] = bias
            self.cls_branch[-1].bias.fill_(bias)

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([self.box_branch(x), self.cls_branch(x)], dim=1)


class YOLONet(nn.Module):
    """Image (B, C, H, W) -> grid (B, 5 + classes, H / stride, W / stride).

    Each stage is a stride-2 conv followed by `depth` residual blocks, so the grid's stride is
    2 ** len(channels); the first stage works at half resolution already (no full-size conv,
    where a CPU would spend most of its time on a few channels).
    Per cell the channels are: 4 box distances (left, top, right, bottom, before softplus, in
    units of the stride), 1 objectness logit, then one logit per class.
    """

    inputs = ("image",)

    def __init__(
        self,
        in_shape: Sequence[int],
        num_classes: int,
        channels: Sequence[int] = (16, 48, 128),
        depth: Sequence[int] = (0, 1, 2),
        head: int = 48,
        activation: str = "silu",
        prior: float = 0.01,
    ) -> None:
        super().__init__()
        if len(depth) != len(channels):
            raise ValueError("model.net.depth needs one entry per entry of model.net.channels")
        c = in_shape[0]
        stages = []
        for width, blocks in zip(channels, depth, strict=True):
            stages.append(darknet_stage(c, width, blocks, activation))
            c = width
        self.backbone = nn.Sequential(*stages)
        self.stride = 2 ** len(channels)
        self.strides = (self.stride,)
        self.num_classes = num_classes
        self.head = Head(c, head, num_classes, activation, prior)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.backbone(x))
