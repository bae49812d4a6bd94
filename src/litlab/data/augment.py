"""Batched image augmentation as tensor ops (no PIL image per sample)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class Augment:
    """Random flips and affine jitter applied to a whole (N, C, H, W) batch at once.

    `translate` is the largest shift as a fraction of the image side, done in whole pixels with
    zero padding (a random crop after padding); `degrees` and `scale` add a small rotation and
    zoom, resampled bilinearly. `enabled` switches the whole policy off while keeping it
    described (the model family decides whether it trains on augmented images).
    """

    enabled: bool = True
    flip: bool = False
    translate: float = 0.0
    degrees: float = 0.0
    scale: tuple[float, float] = (1.0, 1.0)

    @property
    def active(self) -> bool:
        ops = self.flip or self.translate > 0 or self.degrees > 0 or tuple(self.scale) != (1, 1)
        return self.enabled and ops

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if not self.active:
            return x
        if self.flip:
            mask = torch.rand(x.shape[0], 1, 1, 1, device=x.device) < 0.5
            x = torch.where(mask, x.flip(-1), x)
        if self.degrees > 0 or tuple(self.scale) != (1, 1):
            x = self._rotate_scale(x)
        if self.translate > 0:
            x = self._shift(x)
        return x

    def _shift(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        pad = max(1, round(self.translate * max(h, w)))
        padded = F.pad(x, (pad, pad, pad, pad))
        dy = torch.randint(0, 2 * pad + 1, (n,), device=x.device)
        dx = torch.randint(0, 2 * pad + 1, (n,), device=x.device)
        rows = (dy[:, None] + torch.arange(h, device=x.device)[None])[:, None, :, None]
        cols = (dx[:, None] + torch.arange(w, device=x.device)[None])[:, None, None, :]
        batch = torch.arange(n, device=x.device)[:, None, None, None]
        chan = torch.arange(x.shape[1], device=x.device)[None, :, None, None]
        return padded[batch, chan, rows, cols]

    def _rotate_scale(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        angle = (torch.rand(n, device=x.device) * 2 - 1) * math.radians(self.degrees)
        lo, hi = self.scale
        zoom = lo + torch.rand(n, device=x.device) * (hi - lo)
        cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
        zero = torch.zeros_like(cos)
        theta = torch.stack(
            [torch.stack([cos, -sin, zero], 1), torch.stack([sin, cos, zero], 1)], 1
        )
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, padding_mode="zeros", align_corners=False)
