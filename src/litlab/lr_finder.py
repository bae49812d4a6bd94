"""Lightning's learning-rate range test, with its plot saved to the run's figures."""

from __future__ import annotations

import logging

import pytorch_lightning as pl
from omegaconf import DictConfig
from pytorch_lightning.tuner import Tuner

from litlab.callbacks.figures import save_figure
from litlab.models.base import LitModule

log = logging.getLogger(__name__)


def find_lr(
    cfg: DictConfig, trainer: pl.Trainer, model: LitModule, datamodule: pl.LightningDataModule
) -> float | None:
    """Run the range test; when `apply`, start training at the suggested rate."""
    options = cfg.lr_finder
    # Lightning bounds the range test by trainer.max_epochs too: raise it (every epoch has at
    # least one step), so a short run still sweeps the whole range, then put it back
    max_epochs = trainer.fit_loop.max_epochs
    trainer.fit_loop.max_epochs = max(max_epochs or 0, options.num_training)
    try:
        finder = Tuner(trainer).lr_find(
            model,
            datamodule=datamodule,
            min_lr=options.min_lr,
            max_lr=options.max_lr,
            num_training=options.num_training,
            update_attr=False,
        )
    finally:
        trainer.fit_loop.max_epochs = max_epochs
    if finder is None:
        return None
    suggestion = finder.suggestion()
    steps = len(finder.results.get("lr", []))
    fig = finder.plot(suggest=suggestion is not None)
    if suggestion is None:
        log.warning(
            "The LR finder made only %d steps, too few to suggest a rate (limited batches?); "
            "training keeps the configured rate.",
            steps,
        )
        fig.axes[0].set_title("learning-rate range test (no suggestion: too few steps)")
    else:
        fig.axes[0].set_title(f"learning-rate range test (suggestion {suggestion:.2e})")
        log.info("LR finder suggests %.3g after %d steps", suggestion, steps)
    save_figure(trainer, fig, cfg.paths.figures_dir, "lr_finder")
    if options.apply and suggestion:
        model.hparams.optimizer["lr"] = float(suggestion)
        if "max_lr" in (model.hparams.get("scheduler") or {}):
            model.hparams.scheduler["max_lr"] = float(suggestion)  # one-cycle peaks at it
    return suggestion
