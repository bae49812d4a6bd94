"""Input / corrupted / output rows for any model that keeps `examples` from validation."""

from __future__ import annotations

import pytorch_lightning as pl
from matplotlib.figure import Figure

from litlab.callbacks.figures import FigureCallback
from litlab.callbacks.image_grid import show_images

ROWS = ("input", "corrupted", "output")


class ReconstructionGrid(FigureCallback):
    """Writes `figures/reconstructions.png` after every validation epoch (the last one stays),
    and `reconstructions_epoch_NNN.png` too when `every_epoch` is on."""

    def __init__(self, figures_dir: str = "figures", every_epoch: bool = False) -> None:
        super().__init__(figures_dir)
        self.every_epoch = every_epoch

    def draws_for(self, pl_module: pl.LightningModule) -> bool:
        return hasattr(pl_module, "examples")

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        examples = getattr(pl_module, "examples", None)
        if trainer.sanity_checking or not examples:
            return
        rows = [name for name in ROWS if name in examples]
        n = len(examples[rows[0]])
        fig = Figure(figsize=(1.1 * n, 1.3 * len(rows) + 0.3))
        axes = fig.subplots(len(rows), 1, squeeze=False)[:, 0]
        for ax, name in zip(axes, rows, strict=True):
            show_images(ax, examples[name], nrow=n, title=name)
        fig.suptitle(f"validation, epoch {trainer.current_epoch}", fontsize=10)
        self.save(trainer, fig, "reconstructions")
        if self.every_epoch:
            self.save(trainer, fig, f"reconstructions_epoch_{trainer.current_epoch:03d}")
