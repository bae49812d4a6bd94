"""`python sample.py ckpt_path=... n=64` / `litlab-sample`: a PNG grid of generated images.

Works for every generative model: each implements `sample(n, labels=None, generator=None)`
returning (n, C, H, W) images in [0, 1]; the noise comes from a generator seeded with `seed`.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
import pytorch_lightning as pl
import torch
from omegaconf import DictConfig
from torchvision.utils import save_image

from litlab.builders import existing_checkpoint
from litlab.cli import launch
from litlab.conf_dir import conf_dir
from litlab.errors import ConfigError
from litlab.runner import user_error
from litlab.utils.checkpoints import read_checkpoint
from litlab.utils.config import plain

log = logging.getLogger(__name__)


def default_output(ckpt: Path, n: int) -> Path:
    """`<run folder>/figures/samples_<ckpt name>.png` for `<run folder>/checkpoints/*.ckpt`."""
    run = ckpt.parent.parent if ckpt.parent.name == "checkpoints" else ckpt.parent
    return run / "figures" / f"samples_{ckpt.stem}_n{n}.png"


def sample(cfg: DictConfig) -> Path:
    """Load the model class recorded in the checkpoint, draw `cfg.n` images, write the grid."""
    path = existing_checkpoint(cfg.ckpt_path)
    if path is None or path in ("last", "best"):
        raise ConfigError("sample needs ckpt_path=<path to a .ckpt file>.")
    if cfg.n < 1:
        raise ConfigError(f"n must be a positive number of images, got {cfg.n}.")
    stored = read_checkpoint(path).get("litlab_config") or {}
    target = (stored.get("model") or {}).get("_target_")
    if target is None:
        raise ConfigError(f"{path} was not written by litlab (no model recorded in it).")
    model_cls = hydra.utils.get_class(target)
    if not callable(getattr(model_cls, "sample", None)):
        raise ConfigError(f"{target.rsplit('.', 1)[-1]} cannot generate images (it has no sample).")

    pl.seed_everything(cfg.seed, verbose=False)
    device = "cuda" if cfg.device == "auto" and torch.cuda.is_available() else cfg.device
    device = "cpu" if device == "auto" else device
    model = model_cls.load_from_checkpoint(path, map_location=device, weights_only=True)
    model.eval()
    labels = plain(cfg.labels)
    if labels is not None:
        labels = torch.as_tensor(labels if isinstance(labels, list) else [labels] * cfg.n)
        labels = labels.to(device).long()
    generator = torch.Generator(device).manual_seed(int(cfg.seed))
    with torch.no_grad():
        images = model.sample(cfg.n, labels=labels, generator=generator)
    out = Path(cfg.out) if cfg.out else default_output(Path(path), cfg.n)
    out.parent.mkdir(parents=True, exist_ok=True)
    nrow = cfg.nrow or max(1, round(cfg.n**0.5))
    save_image(images.float().cpu().clamp(0, 1), out, nrow=nrow, padding=2, pad_value=1.0)
    log.info("Wrote %d samples to %s", cfg.n, out)
    print(out)
    return out


@hydra.main(version_base="1.3", config_path=conf_dir(), config_name="sample")
def hydra_main(cfg: DictConfig) -> None:
    try:
        sample(cfg)
    except Exception as exc:
        problem = user_error(exc)
        if problem is None:
            raise
        print(f"error: {problem}", file=sys.stderr)
        sys.exit(1)


def main() -> None:
    """The console script: check the command line composes, then run through Hydra."""
    launch("sample", hydra_main, summary=False)  # sampling leaves no run folder


if __name__ == "__main__":
    main()
