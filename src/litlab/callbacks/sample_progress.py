"""Samples from one fixed noise batch after every validation epoch, so progress reads as one
sequence: `figures/samples_epoch_NNN.png` per epoch and `figures/samples_progress.png`, a strip
with one row per epoch.

Draws for any model with the shared `sample(n, labels=None, generator=None) -> (n, C, H, W) in
[0, 1]` protocol. The noise is fixed by a fresh `torch.Generator` seeded with `seed` on the
model's device, so no global random state (CPU or CUDA) is read or reseeded and the training
noise goes on as if no figure were drawn; a conditional model (`conditional = True`) gets the
fixed labels 0, 1, ..., K-1, 0, 1, ...
"""

from __future__ import annotations

import pytorch_lightning as pl
import torch
from matplotlib.figure import Figure
from torchvision.utils import make_grid

from litlab.callbacks.figures import FigureCallback


def image_figure(grid: torch.Tensor, title: str, inches_per_pixel: float = 0.025) -> Figure:
    """A (C, H, W) image in [0, 1] as a figure, grey when it has one channel."""
    image = grid.permute(1, 2, 0).cpu().numpy()
    h, w = image.shape[:2]
    fig = Figure(figsize=(max(w * inches_per_pixel, 3), max(h * inches_per_pixel, 1) + 0.4))
    ax = fig.subplots()
    ax.imshow(image[..., 0] if image.shape[2] == 1 else image, cmap="gray", vmin=0, vmax=1)
    ax.set_title(title)
    ax.axis("off")
    return fig


class SampleProgress(FigureCallback):
    """Per-epoch sample grids and one progress strip (rows: epochs, at most `max_rows`)."""

    def __init__(
        self,
        figures_dir: str = "figures",
        num_samples: int = 64,
        per_row: int = 10,
        max_rows: int = 12,
        seed: int = 1234,
    ) -> None:
        super().__init__(figures_dir)
        self.num_samples = num_samples
        self.per_row = per_row
        self.max_rows = max_rows
        self.seed = seed
        self.rows: list[tuple[int, torch.Tensor]] = []

    def draw_samples(self, pl_module: pl.LightningModule) -> torch.Tensor:
        n = max(self.num_samples, self.per_row)
        labels = None
        if getattr(pl_module, "conditional", False):
            labels = torch.arange(n, device=pl_module.device) % pl_module.spec.num_classes
        generator = torch.Generator(pl_module.device).manual_seed(self.seed)
        with torch.no_grad():
            return pl_module.sample(n, labels=labels, generator=generator).float().cpu()

    def draws_for(self, pl_module: pl.LightningModule) -> bool:
        return callable(getattr(pl_module, "sample", None))

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.sanity_checking or not self.draws_for(pl_module):
            return
        if not trainer.is_global_zero:
            return
        epoch = trainer.current_epoch
        images = self.draw_samples(pl_module)
        grid = make_grid(
            images[: self.num_samples],
            nrow=8 if self.num_samples >= 8 else 4,
            padding=2,
            pad_value=1.0,
        )
        self.save(
            trainer, image_figure(grid, f"samples, epoch {epoch}"), f"samples_epoch_{epoch:03d}"
        )
        self.rows.append((epoch, images[: self.per_row]))
        self.draw_progress(trainer)

    def draw_progress(self, trainer: pl.Trainer) -> None:
        rows = self.rows
        if len(rows) > self.max_rows:  # keep the first and last, evenly spaced between
            keep = torch.linspace(0, len(rows) - 1, self.max_rows).round().long().unique()
            rows = [rows[i] for i in keep.tolist()]
        strip = make_grid(
            torch.cat([r for _, r in rows]), nrow=self.per_row, padding=2, pad_value=1.0
        )
        epochs = ", ".join(str(e) for e, _ in rows)
        fig = image_figure(strip, f"fixed noise, one row per epoch ({epochs})", 0.03)
        self.save(trainer, fig, "samples_progress")
