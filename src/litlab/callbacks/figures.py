"""Saving figures to the run folder and to every logger that shows images."""

from __future__ import annotations

from pathlib import Path

import pytorch_lightning as pl
from matplotlib.figure import Figure
from pytorch_lightning.loggers import TensorBoardLogger, WandbLogger

from litlab.callbacks.base import LitCallback


def save_figure(trainer: pl.Trainer, fig: Figure, folder: str | Path, name: str) -> Path | None:
    """Write `folder/name.png` and send it to W&B / TensorBoard; rank zero only."""
    if not trainer.is_global_zero:
        return None
    path = Path(folder) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    for logger in trainer.loggers:
        if isinstance(logger, WandbLogger):
            logger.log_image(key=f"figures/{name}", images=[str(path)], step=trainer.global_step)
        elif isinstance(logger, TensorBoardLogger):
            logger.experiment.add_figure(f"figures/{name}", fig, trainer.global_step)
    return path


class FigureCallback(LitCallback):
    """Base for callbacks that draw into `figures_dir` (the run folder's `figures/`)."""

    def __init__(self, figures_dir: str = "figures") -> None:
        super().__init__()
        self.figures_dir = figures_dir

    def draws_for(self, pl_module: pl.LightningModule) -> bool:
        """Whether this model has what the figure needs; `build_callbacks` leaves out the
        figures a model cannot draw, so their hooks cost its steps nothing."""
        return True

    def save(self, trainer: pl.Trainer, fig: Figure, name: str) -> Path | None:
        return save_figure(trainer, fig, self.figures_dir, name)
