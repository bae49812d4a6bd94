"""VAE figures: samples from the prior, interpolations, and the 2-D latent plane."""

from __future__ import annotations

import pytorch_lightning as pl
import torch
from matplotlib.figure import Figure

from litlab.callbacks.figures import FigureCallback
from litlab.callbacks.image_grid import show_images


class LatentSpaceFigures(FigureCallback):
    """At the end of testing, for models with `sample`, `interpolate` and `decode`:
    `figures/prior_samples.png`, `figures/interpolations.png` (between test images) and, when
    the latent space is 2-D, `figures/latent_scatter.png` (test codes coloured by label) and
    `figures/latent_grid.png` (decoded images over the plane)."""

    def __init__(self, figures_dir: str = "figures", n_samples: int = 64, steps: int = 10):
        super().__init__(figures_dir)
        self.n_samples, self.steps = n_samples, steps

    def draws_for(self, pl_module: pl.LightningModule) -> bool:
        return all(hasattr(pl_module, a) for a in ("sample", "interpolate", "decode"))

    def on_test_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not self.draws_for(pl_module):
            return
        self.draw_samples(trainer, pl_module)
        examples = getattr(pl_module, "examples", {}).get("input")
        if examples is not None and len(examples) >= 2:
            self.draw_interpolations(trainer, pl_module, examples.to(pl_module.device))
        latents = getattr(pl_module, "test_latents", [])
        if latents and getattr(pl_module, "latent_dim", 0) == 2:
            self.draw_latent_plane(trainer, pl_module, latents)

    def draw_samples(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # the same prior draws for every checkpoint, and no global random state touched
        generator = torch.Generator(pl_module.device).manual_seed(0)
        images = pl_module.sample(self.n_samples, generator=generator)
        nrow = int(self.n_samples**0.5)
        fig = Figure(figsize=(0.6 * nrow, 0.6 * (self.n_samples // nrow) + 0.3))
        show_images(fig.subplots(), images, nrow, title="samples from the prior")
        self.save(trainer, fig, "prior_samples")

    def draw_interpolations(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, images: torch.Tensor
    ) -> None:
        pairs = len(images) // 2
        path = pl_module.interpolate(images[:pairs], images[pairs : 2 * pairs], self.steps)
        fig = Figure(figsize=(0.7 * self.steps, 0.7 * pairs + 0.3))
        title = "interpolations between test images (encoder means, decoded)"
        show_images(fig.subplots(), path.flatten(0, 1), self.steps, title=title)
        self.save(trainer, fig, "interpolations")

    def draw_latent_plane(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        latents: list[tuple[torch.Tensor, torch.Tensor]],
    ) -> None:
        codes = torch.cat([c for c, _ in latents]).numpy()
        labels = torch.cat([y for _, y in latents]).numpy()
        fig = Figure(figsize=(6.5, 5.5))
        ax = fig.subplots()
        points = ax.scatter(codes[:, 0], codes[:, 1], c=labels, cmap="tab10", s=4, alpha=0.7)
        fig.colorbar(points, ax=ax, label="label")
        ax.set(xlabel="z[0]", ylabel="z[1]", title="test set in latent space (encoder means)")
        self.save(trainer, fig, "latent_scatter")

        side = 15  # a grid over +-2 standard deviations of the prior
        axis = torch.linspace(-2, 2, side)
        zy, zx = torch.meshgrid(axis.flip(0), axis, indexing="ij")
        z = torch.stack([zx.flatten(), zy.flatten()], dim=1).to(pl_module.device)
        with torch.no_grad():
            images = pl_module.decode(z)
        fig = Figure(figsize=(7, 7.3))
        show_images(fig.subplots(), images, side, title="decoded latent plane, z in [-2, 2]^2")
        self.save(trainer, fig, "latent_grid")
