"""`python train.py` / `litlab-train`: fit a model on its data, then test the best checkpoint."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pytorch_lightning as pl
from omegaconf import DictConfig
from pytorch_lightning.callbacks import ModelCheckpoint

from litlab.builders import (
    build_callbacks,
    build_datamodule,
    build_loggers,
    build_model,
    build_trainer,
    existing_checkpoint,
)
from litlab.cv.options import requested
from litlab.data.base import LitDataModule
from litlab.lr_finder import find_lr
from litlab.models.base import LitModule
from litlab.utils.speedups import apply_speedups
from litlab.utils.summary import stage_metrics

log = logging.getLogger(__name__)


@dataclass
class Fitted:
    """What one fit-and-test leaves: its summary fields and the objects that made them."""

    summary: dict[str, Any]
    model: LitModule
    datamodule: LitDataModule
    trainer: pl.Trainer


def train(cfg: DictConfig) -> dict[str, Any]:
    """Build everything from `cfg`, fit, test; return the fields of `summary.json`.

    With `ckpt_path`, fitting resumes from that checkpoint (the command line has already been
    given its run's config and folder, see `litlab.resume`); with `train=false` as well, the
    checkpoint's weights are what gets tested. With `cv.folds` or `cv.bootstrap`, one such run
    per fold (litlab.cv.loop).
    """
    if requested(cfg):
        from litlab.cv.loop import cross_validate

        return cross_validate(cfg)
    return fit_and_test(cfg).summary


def fit_and_test(cfg: DictConfig) -> Fitted:
    """The single run `train` does; the model holds the tested weights afterwards."""
    if cfg.get("seed") is not None:
        pl.seed_everything(cfg.seed, workers=True)
    checkpoint_path = existing_checkpoint(cfg.get("ckpt_path"))
    datamodule = build_datamodule(cfg)
    model = build_model(cfg, datamodule.spec)
    apply_speedups(model, cfg)
    loggers = build_loggers(cfg)
    trainer = build_trainer(cfg, build_callbacks(cfg, model, with_logger=bool(loggers)), loggers)
    for logger in loggers:
        logger.log_hyperparams(model.litlab_config)

    extra: dict[str, Any] = {"resumed_from": checkpoint_path if cfg.train else None}
    if cfg.lr_finder.enabled:
        extra["lr_suggestion"] = find_lr(cfg, trainer, model, datamodule)
    if cfg.train:
        trainer.fit(model, datamodule=datamodule, ckpt_path=checkpoint_path, weights_only=True)
        if trainer.interrupted:
            raise KeyboardInterrupt
    metrics = dict(trainer.callback_metrics)

    checkpoint = next(
        (c for c in trainer.callbacks if isinstance(c, ModelCheckpoint) and c.monitor), None
    )
    best = checkpoint.best_model_path if checkpoint and checkpoint.best_model_path else None
    if not cfg.train:
        best = checkpoint_path  # nothing was trained: test the checkpoint that was given
    if cfg.test:
        if best is None:
            log.warning("No checkpoint to test; testing the weights as they are now.")
        trainer.test(model, datamodule=datamodule, ckpt_path=best, weights_only=True)
        metrics.update(trainer.callback_metrics)
        if cfg.get("baselines", True):
            extra["baselines"] = datamodule.baselines() or None
    summary = {
        "status": "ok",
        "metrics": stage_metrics(metrics),
        "best_checkpoint": best,
        "monitor": model.monitor,
        **extra,
    }
    return Fitted(summary, model, datamodule, trainer)
