"""`python eval.py ckpt_path=...` / `litlab-eval`: test a checkpoint on its data (or another)."""

from __future__ import annotations

import logging
from typing import Any

import hydra
from omegaconf import DictConfig, OmegaConf, open_dict

from litlab.conf_dir import conf_dir
from litlab.errors import ConfigError, IncompatibleError
from litlab.preflight import check_command_line, task_imports

log = logging.getLogger(__name__)


def main() -> None:
    """`litlab-eval`: test a checkpoint on its data (or another)."""
    check_command_line("eval")
    run()


@hydra.main(version_base="1.3", config_path=conf_dir(), config_name="eval")
def run(cfg: DictConfig) -> None:
    with task_imports():
        from litlab.outcome import run_task

    if cfg.get("print_config"):
        from litlab.utils.print_config import print_config_tree

        print_config_tree(cfg)
    run_task(cfg, evaluate)


def evaluate(cfg: DictConfig) -> dict[str, Any]:
    """Rebuild the model from the checkpoint and test it on the data it was trained on, or on
    `data=...` when given."""
    import pytorch_lightning as pl

    from litlab.builders import (
        build_callbacks,
        build_datamodule,
        build_loggers,
        build_trainer,
        existing_checkpoint,
        group_choice,
    )
    from litlab.data.spec import DataSpec
    from litlab.utils.checkpoints import model_class, read_checkpoint
    from litlab.utils.summary import stage_metrics

    path = existing_checkpoint(cfg.ckpt_path)
    if path is None or path in ("last", "best"):
        raise ConfigError("eval needs ckpt_path=<path to a .ckpt file>.")
    checkpoint = read_checkpoint(path)
    stored = checkpoint.get("litlab_config") or {}
    if cfg.get("data") is None:
        if "data" not in stored:
            raise ConfigError(f"{path} does not record its data; choose one with data=<name>.")
        with open_dict(cfg):  # `data: null` in eval.yaml leaves no key to assign in struct mode
            cfg.data = OmegaConf.create(stored["data"])
            cfg.data.data_dir = cfg.paths.data_dir
    model_cls = model_class(checkpoint, path)

    pl.seed_everything(cfg.seed, workers=True)
    datamodule = build_datamodule(cfg, stage="test")
    trained_on = DataSpec.from_dict(checkpoint["hyper_parameters"]["spec"])
    if (trained_on.input_shape, trained_on.num_classes) != (
        datamodule.spec.input_shape,
        datamodule.spec.num_classes,
    ):
        raise IncompatibleError(
            f"the checkpoint was trained on inputs {trained_on.input_shape} with "
            f"{trained_on.num_classes} classes; data={group_choice('data', 'this data')} gives "
            f"{datamodule.spec.input_shape} with {datamodule.spec.num_classes}."
        )
    model = model_cls.load_from_checkpoint(path, map_location="cpu", weights_only=True)
    loggers = build_loggers(cfg)
    trainer = build_trainer(cfg, build_callbacks(cfg, model, with_logger=bool(loggers)), loggers)
    trainer.test(model, datamodule=datamodule)
    return {
        "status": "ok",
        "metrics": stage_metrics(trainer.callback_metrics),
        "best_checkpoint": path,
    }


if __name__ == "__main__":
    main()
