"""What a reconstruction model has to undo: small strategy objects, built from config.

Each takes clean pixels in [0, 1] and returns `(corrupted, mask)`; `mask` is True where the
image was hidden (inpainting) and None when the corruption touches every pixel.
"""

from __future__ import annotations

import torch
from torch import Tensor

from litlab.errors import ConfigError


class Corruption:
    """No corruption: a plain autoencoder."""

    def __call__(
        self, x: Tensor, generator: torch.Generator | None = None
    ) -> tuple[Tensor, Tensor | None]:
        return x, None

    @property
    def active(self) -> bool:
        return type(self) is not Corruption


class Noise(Corruption):
    """Additive Gaussian noise (std in pixel units) and/or salt-and-pepper (share of pixels)."""

    def __init__(self, gaussian_std: float = 0.0, salt_pepper: float = 0.0, clip: bool = True):
        if gaussian_std < 0 or not 0 <= salt_pepper <= 1:
            raise ConfigError(
                "model.corruption needs gaussian_std >= 0 and salt_pepper between 0 and 1, "
                f"got {gaussian_std} and {salt_pepper}."
            )
        self.gaussian_std, self.salt_pepper, self.clip = gaussian_std, salt_pepper, clip

    def __call__(
        self, x: Tensor, generator: torch.Generator | None = None
    ) -> tuple[Tensor, Tensor | None]:
        out = x
        if self.gaussian_std:
            noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
            out = out + self.gaussian_std * noise
        if self.salt_pepper:
            draw = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
            out = torch.where(draw < self.salt_pepper / 2, torch.zeros_like(out), out)
            out = torch.where(draw > 1 - self.salt_pepper / 2, torch.ones_like(out), out)
        return (out.clamp(0, 1) if self.clip else out), None


class BoxMask(Corruption):
    """Hides `count` boxes of `size` (share of each side) filled with `fill`; `placement`
    random (a new place per image) or centre."""

    def __init__(
        self, size: float = 0.4, placement: str = "random", count: int = 1, fill: float = 0.0
    ):
        if not 0 < size <= 1 or placement not in ("random", "centre") or count < 1:
            raise ConfigError(
                "model.corruption needs 0 < size <= 1, placement random or centre and count >= 1, "
                f"got size={size}, placement={placement!r}, count={count}."
            )
        self.size, self.placement, self.count, self.fill = size, placement, count, fill

    def mask(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        n, _, h, w = x.shape
        bh, bw = max(1, round(self.size * h)), max(1, round(self.size * w))
        rows = torch.arange(h, device=x.device).view(1, h, 1)
        cols = torch.arange(w, device=x.device).view(1, 1, w)
        mask = torch.zeros(n, h, w, dtype=torch.bool, device=x.device)
        for _ in range(self.count if self.placement == "random" else 1):
            if self.placement == "centre":
                top = torch.full((n, 1, 1), (h - bh) // 2, device=x.device)
                left = torch.full((n, 1, 1), (w - bw) // 2, device=x.device)
            else:
                top = torch.randint(0, h - bh + 1, (n, 1, 1), generator=generator, device=x.device)
                left = torch.randint(0, w - bw + 1, (n, 1, 1), generator=generator, device=x.device)
            mask |= (rows >= top) & (rows < top + bh) & (cols >= left) & (cols < left + bw)
        return mask.unsqueeze(1).expand_as(x)

    def __call__(
        self, x: Tensor, generator: torch.Generator | None = None
    ) -> tuple[Tensor, Tensor | None]:
        mask = self.mask(x, generator)
        return x.masked_fill(mask, self.fill), mask
