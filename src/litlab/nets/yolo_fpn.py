"""A small multi-scale YOLO-style detection net: a Darknet-like backbone, a PAN neck (FPN's
top-down path, then a bottom-up one, as YOLOv4 to YOLOv8 build it) and a decoupled head on each
of the last three levels (strides 8, 16 and 32 with five stages)."""

from __future__ import annotations

from collections.abc import Sequence

import torch.nn.functional as F
from torch import Tensor, nn

from litlab.nets.yolo import Head, conv_bn, darknet_stage


class YOLOFPNNet(nn.Module):
    """Image (B, C, H, W) -> three grids (B, 5 + classes, H / s, W / s), s in `strides`.

    The backbone is `len(channels)` stride-2 stages (each a stride-2 conv and `depth` residual
    blocks); the last three stages feed the neck. The neck brings them to `neck` channels,
    passes coarse context down (upsample and add, then a 3x3 conv) and fine detail back up
    (a stride-2 conv and add, then a 3x3 conv), so each level sees both. Per cell the channels
    are: 4 box distances (left, top, right, bottom, before softplus, in units of the level's
    stride), 1 objectness logit, then one logit per class.
    """

    inputs = ("image",)

    def __init__(
        self,
        in_shape: Sequence[int],
        num_classes: int,
        channels: Sequence[int] = (16, 32, 64, 128, 192),
        depth: Sequence[int] = (0, 1, 1, 1, 1),
        neck: int = 64,
        head: int = 48,
        activation: str = "silu",
        prior: float = 0.01,
    ) -> None:
        super().__init__()
        if len(depth) != len(channels):
            raise ValueError("model.net.depth needs one entry per entry of model.net.channels")
        if len(channels) < 3:
            raise ValueError("model.net.channels needs at least 3 stages (one per level)")
        c = in_shape[0]
        self.stages = nn.ModuleList()
        for width, blocks in zip(channels, depth, strict=True):
            self.stages.append(darknet_stage(c, width, blocks, activation))
            c = width
        levels = len(channels)
        self.strides = tuple(2**s for s in range(levels - 2, levels + 1))
        self.num_classes = num_classes
        self.lateral = nn.ModuleList(conv_bn(w, neck, 1, 1, activation) for w in channels[-3:])
        self.top_down = nn.ModuleList(conv_bn(neck, neck, 3, 1, activation) for _ in range(2))
        self.down = nn.ModuleList(conv_bn(neck, neck, 3, 2, activation) for _ in range(2))
        self.bottom_up = nn.ModuleList(conv_bn(neck, neck, 3, 1, activation) for _ in range(2))
        self.heads = nn.ModuleList(
            Head(neck, head, num_classes, activation, prior) for _ in self.strides
        )

    def forward(self, x: Tensor) -> list[Tensor]:
        features = []
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        fine, mid, coarse = (lat(f) for lat, f in zip(self.lateral, features[-3:], strict=True))
        up = lambda a, b: F.interpolate(a, size=b.shape[-2:], mode="nearest")  # noqa: E731
        mid = self.top_down[0](mid + up(coarse, mid))
        fine = self.top_down[1](fine + up(mid, fine))
        mid = self.bottom_up[0](mid + self.down[0](fine))
        coarse = self.bottom_up[1](coarse + self.down[1](mid))
        return [head(f) for head, f in zip(self.heads, (fine, mid, coarse), strict=True)]
