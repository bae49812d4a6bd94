"""`python sample.py ckpt_path=... n=64` / `litlab-sample`: a PNG grid of generated images.

Works for every generative model: each implements `sample(n, labels=None, generator=None)`
returning (n, C, H, W) images in [0, 1]; the noise comes from a generator seeded with `seed`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import hydra
from omegaconf import DictConfig

from litlab.conf_dir import conf_dir
from litlab.errors import ConfigError
from litlab.preflight import check_command_line, task_imports

log = logging.getLogger(__name__)


def main() -> None:
    """`litlab-sample`: a PNG grid of a generative model's images."""
    check_command_line("sample", summary=False)  # sampling leaves no run folder
    run()


@hydra.main(version_base="1.3", config_path=conf_dir(), config_name="sample")
def run(cfg: DictConfig) -> None:
    with task_imports():
        from litlab.errors import run_or_explain

    run_or_explain(sample, cfg)


def default_output(ckpt: Path, n: int) -> Path:
    """`<run folder>/figures/samples_<ckpt name>.png` for `<run folder>/checkpoints/*.ckpt`."""
    from litlab.utils.checkpoints import run_folder

    run = run_folder(ckpt)
    return run / "figures" / f"samples_{ckpt.stem}_n{n}.png"


def sample(cfg: DictConfig) -> Path:
    """Load the model class recorded in the checkpoint, draw `cfg.n` images, write the grid."""
    import torch
    from torchvision.utils import save_image

    from litlab.predictions.samples import draw
    from litlab.utils.checkpoints import load_model
    from litlab.utils.config import plain

    if cfg.n < 1:
        raise ConfigError(f"n must be a positive number of images, got {cfg.n}.")
    model = load_model(cfg.ckpt_path, cfg.device)
    if not callable(getattr(model, "sample", None)):
        raise ConfigError(f"{type(model).__name__} cannot generate images (it has no sample).")
    path = str(cfg.ckpt_path)
    labels = plain(cfg.labels)
    if labels is not None:
        labels = torch.as_tensor(labels if isinstance(labels, list) else [labels] * cfg.n)
        labels = labels.to(model.device.type).long()
    images = draw(model, cfg.n, int(cfg.seed), labels)
    out = Path(cfg.out) if cfg.out else default_output(Path(path), cfg.n)
    out.parent.mkdir(parents=True, exist_ok=True)
    nrow = cfg.nrow or max(1, round(cfg.n**0.5))
    save_image(images.float().cpu().clamp(0, 1), out, nrow=nrow, padding=2, pad_value=1.0)
    log.info("Wrote %d samples to %s", cfg.n, out)
    print(out)
    return out


if __name__ == "__main__":
    main()
