"""`python predict.py ckpt_path=... inputs=...` / `litlab-predict`: a trained model's
predictions on new inputs, for every task.

The checkpoint carries the model and the data's description, so inputs are read and checked
the way the training data was. What is read and written depends on the task (see
`litlab.predictions` and docs/predict.md): image files for detectors, image classifiers and
the autoencoders, a CSV of rows for table models, a series CSV for forecasters.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import hydra
from omegaconf import DictConfig

from litlab.conf_dir import conf_dir
from litlab.errors import ConfigError
from litlab.preflight import check_command_line, task_imports

if TYPE_CHECKING:
    from litlab.models.base import LitModule

log = logging.getLogger(__name__)


def main() -> None:
    """`litlab-predict`: a trained model's predictions on images, CSV rows or a series."""
    check_command_line("predict", summary=False)
    run()


@hydra.main(version_base="1.3", config_path=conf_dir(), config_name="predict")
def run(cfg: DictConfig) -> None:
    with task_imports():
        from litlab.errors import run_or_explain

    run_or_explain(predict, cfg)


Writer = Callable[["LitModule", Path, Path, DictConfig], Path]


def image_task(write: Callable[[LitModule, list, Path, DictConfig], Path]) -> Writer:
    """A writer of image-file predictions, given the image files `inputs` names."""
    from litlab.predictions.images import image_files

    def run(model: LitModule, inputs: Path, out: Path, cfg: DictConfig) -> Path:
        return write(model, image_files(str(inputs)), out, cfg)

    return run


def writer_for(model: LitModule) -> Writer:
    """What this model's task reads and writes; one sentence when predict has nothing for it."""
    from litlab.models.autoencoder import Autoencoder
    from litlab.models.gan import GAN
    from litlab.models.vae import VAE
    from litlab.predictions import classes, detections, reconstructions, series, tables

    name = type(model).__name__
    if isinstance(model, GAN):
        raise ConfigError(
            f"{name} makes images from noise, so there is nothing for it to predict from inputs; "
            "draw images with `python sample.py ckpt_path=...` instead."
        )
    spec = model.spec
    if spec.input_kind == "table":
        return tables.write_table
    if spec.input_kind == "sequence" and spec.target == "value":
        return series.write_forecast
    if spec.input_kind == "image":
        if isinstance(model, Autoencoder | VAE):
            return image_task(reconstructions.write_reconstructions)
        if spec.target == "boxes":
            return image_task(detections.write_detections)
        if spec.target == "class":
            return image_task(classes.write_classes)
    raise ConfigError(f"predict.py has no reader for {name} on {spec.describe()}.")


def predict(cfg: DictConfig) -> Path:
    """Load the checkpoint's model, run it over the inputs, write what its task writes."""
    from litlab.predictions.output import default_output
    from litlab.utils.checkpoints import load_model

    model = load_model(cfg.ckpt_path, cfg.device)
    writer = writer_for(model)
    inputs = Path(str(cfg.inputs))
    out = Path(cfg.out) if cfg.out else default_output(Path(str(cfg.ckpt_path)), inputs)
    written = writer(model, inputs, out, cfg)
    log.info("Predictions for %s in %s", inputs, written)
    print(written)
    return written


if __name__ == "__main__":
    main()
