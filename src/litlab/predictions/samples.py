"""Images from a generative model, the same for the same seed (sample.py and the demo page)."""

from __future__ import annotations

import pytorch_lightning as pl
import torch


def draw(
    model: pl.LightningModule, n: int, seed: int, labels: torch.Tensor | None = None
) -> torch.Tensor:
    """`n` images (n, C, H, W) in [0, 1]: each generative model implements `sample(n, labels,
    generator)`, and the noise comes from a generator seeded with `seed`."""
    pl.seed_everything(seed, verbose=False)
    generator = torch.Generator(model.device.type).manual_seed(seed)
    with torch.no_grad():
        return model.sample(n, labels=labels, generator=generator)
