"""Turning the composed config into a datamodule, a model, callbacks, loggers and a Trainer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hydra
import pytorch_lightning as pl
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig
from pytorch_lightning.callbacks import LearningRateMonitor, ModelCheckpoint, ProgressBar
from pytorch_lightning.loggers import Logger

from litlab.callbacks.figures import FigureCallback
from litlab.callbacks.preemption import Preemption
from litlab.callbacks.random_state import RandomState
from litlab.data.base import LitDataModule
from litlab.data.spec import DataSpec
from litlab.errors import ConfigError
from litlab.models.base import LitModule
from litlab.utils.checkpoints import AtomicCheckpointIO
from litlab.utils.config import plain, resolved_config
from litlab.utils.cuda_check import plain_check_without_devices

log = logging.getLogger(__name__)


@dataclass
class Fitted:
    """What one fit-and-test leaves: its summary fields and the objects that made them."""

    summary: dict[str, Any]
    model: LitModule
    datamodule: LitDataModule
    trainer: pl.Trainer


def group_choice(group: str, fallback: str = "") -> str:
    """The name the user chose for a config group (`data=mnist` gives 'mnist')."""
    if HydraConfig.initialized():
        choice = HydraConfig.get().runtime.choices.get(group)
        if choice:
            return str(choice)
    return fallback


def build_datamodule(cfg: DictConfig, stage: str = "fit") -> LitDataModule:
    """Instantiate the data config, make sure the data is there, and set it up for `stage`."""
    log.info("Data: %s", cfg.data._target_)
    datamodule: LitDataModule = hydra.utils.instantiate(cfg.data)
    datamodule.prepare_data()
    if (cfg.get("cv") or {}).get("fold") is not None:  # one fold of a cross-validation
        from litlab.data.splits import select_fold

        select_fold(datamodule, cfg.cv)
    datamodule.setup(stage)
    return datamodule


# what a model family config sets for the data config to read (conf/data/*.yaml), not for the model
DATA_KEYS = ("augment", "batch_size")


def model_arguments(model: DictConfig | dict[str, Any]) -> dict[str, Any]:
    """The model config as its class takes it: plain values, less what a family sets for the
    data config to read (`DATA_KEYS`)."""
    values = plain(model) if isinstance(model, DictConfig) else dict(model)
    return {k: v for k, v in values.items() if k not in DATA_KEYS}


def build_model(cfg: DictConfig, spec: DataSpec) -> LitModule:
    """Check that the model fits the data, then build it from the data's description."""
    model_cls = hydra.utils.get_class(cfg.model._target_)
    model_cls.check_fits(spec, group_choice("model"), group_choice("data"))
    model_cls.adapt_config(cfg)
    log.info("Model: %s on %s", cfg.model._target_, spec.input_shape)
    model: LitModule = hydra.utils.instantiate(
        model_arguments(cfg.model), spec=spec.to_dict(), _recursive_=False, _convert_="all"
    )
    model.litlab_config = resolved_config(cfg)
    model.litlab_overrides = task_overrides()
    return model


def task_overrides() -> list[str]:
    """The command line's overrides of the config (not Hydra's own), as Hydra recorded them."""
    if not HydraConfig.initialized():
        return []
    return [str(o) for o in HydraConfig.get().overrides.task]


def build_callbacks(
    cfg: DictConfig, model: pl.LightningModule, with_logger: bool
) -> list[pl.Callback]:
    """The configured callbacks, after the two every training run has: random states in
    checkpoints (exact resumes) and a checkpoint on SIGTERM/SIGUSR1 (preemption). Figures the
    model cannot draw are left out (Lightning calls every callback's hooks on every step)."""
    callbacks: list[pl.Callback] = [
        RandomState(),
        Preemption(str(Path(cfg.paths.output_dir) / "checkpoints")),
    ]
    progress_bar = cfg.get("trainer", {}).get("enable_progress_bar", True) is not False
    for name, conf in (cfg.get("callbacks") or {}).items():
        if conf is None or "_target_" not in conf:
            continue
        callback = hydra.utils.instantiate(conf)
        if isinstance(callback, LearningRateMonitor) and not with_logger:
            continue  # it needs a logger to write to
        if isinstance(callback, ProgressBar) and not progress_bar:
            continue  # trainer.enable_progress_bar=false wins
        if isinstance(callback, FigureCallback) and not callback.draws_for(model):
            continue
        callbacks.append(callback)
        log.debug("Callback %s: %s", name, conf._target_)
    return callbacks


def build_loggers(cfg: DictConfig) -> list[Logger]:
    return [
        hydra.utils.instantiate(conf)
        for name, conf in (cfg.get("logger") or {}).items()
        if conf is not None and "_target_" in conf
    ]


def build_trainer(
    cfg: DictConfig, callbacks: list[pl.Callback], loggers: list[Logger]
) -> pl.Trainer:
    plain_check_without_devices()
    return hydra.utils.instantiate(
        cfg.trainer,
        callbacks=callbacks,
        logger=loggers or False,
        plugins=[AtomicCheckpointIO()],
    )


def existing_checkpoint(path: Any) -> str | None:
    """`ckpt_path` as given, after checking that the file is there."""
    if path in (None, "", "null"):
        return None
    if path in ("last", "best"):
        return str(path)
    if not Path(path).is_file():
        raise ConfigError(f"ckpt_path={path} does not exist; give the path of a .ckpt file.")
    return str(path)


def monitored_checkpoint(trainer: pl.Trainer) -> ModelCheckpoint | None:
    """The checkpoint callback that keeps the best by the model's monitor, if there is one."""
    return next(
        (c for c in trainer.callbacks if isinstance(c, ModelCheckpoint) and c.monitor), None
    )


def best_checkpoint(trainer: pl.Trainer) -> str | None:
    """The path of the best checkpoint by the model's monitor that this fit wrote, if any."""
    checkpoint = monitored_checkpoint(trainer)
    return checkpoint.best_model_path or None if checkpoint else None
