"""`python train.py` / `litlab-train`: fit a model on its data, test its best checkpoint, and
record the run in its folder (summary.json, checkpoints, figures, logs).

Read top to bottom: `main` checks the command line before torch loads; Hydra composes the
config and makes the run folder; `experiment` trains once, or once per fold with `cv.*`;
`fit_and_test` is that one training: seed, data, model, trainer, fit, test. `summary.json`
records how the run ended, whatever happened (`litlab.outcome`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import hydra
from omegaconf import DictConfig

from litlab.conf_dir import conf_dir
from litlab.preflight import check_command_line, task_imports

if TYPE_CHECKING:
    from litlab.builders import Fitted

log = logging.getLogger(__name__)


def main() -> None:
    """`litlab-train`: fit a model on its data, then test the best checkpoint."""
    check_command_line("train")
    run()


@hydra.main(version_base="1.3", config_path=conf_dir(), config_name="train")
def run(cfg: DictConfig) -> float | None:
    """One run of the composed config; returns the optimized metric to a sweeper."""
    with task_imports():
        from litlab.outcome import run_task
        from litlab.utils.config import plain
        from litlab.utils.print_config import print_config_tree

    if cfg.get("print_config"):
        print_config_tree(cfg)
    result = run_task(cfg, experiment)
    if result.get("status") in ("failed", "pruned"):  # a sweep's job with no objective: NaN
        return float("nan")
    value = result["metrics"].get(cfg.get("optimized_metric") or result.get("monitor"))
    return None if value is None else float(plain(value))


def experiment(cfg: DictConfig) -> dict[str, Any]:
    """The summary fields of one fit and test, or of one per fold with `cv.*`."""
    from litlab.cv.loop import cross_validate
    from litlab.cv.options import requested

    if requested(cfg):
        return cross_validate(cfg, fit_and_test)
    return fit_and_test(cfg).summary


def fit_and_test(cfg: DictConfig) -> Fitted:
    """Build everything from `cfg`, fit, test; the summary fields and the objects that made them.

    With `ckpt_path`, fitting resumes from that checkpoint (the command line has already been
    given its run's config and folder, see `litlab.resume`); with `train=false` as well, the
    checkpoint's weights are what gets tested.
    """
    import pytorch_lightning as pl

    from litlab.builders import (
        Fitted,
        best_checkpoint,
        build_callbacks,
        build_datamodule,
        build_loggers,
        build_model,
        build_trainer,
        existing_checkpoint,
    )
    from litlab.lr_finder import find_lr
    from litlab.utils.speedups import apply_speedups
    from litlab.utils.summary import stage_metrics

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

    # nothing trained: test the checkpoint that was given
    best = best_checkpoint(trainer) if cfg.train else checkpoint_path
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


if __name__ == "__main__":
    main()
