"""Reading and writing checkpoints: plain values only, and never a half-written file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import hydra.utils
import pytorch_lightning as pl
import torch
from pytorch_lightning.plugins.io import TorchCheckpointIO

from litlab.errors import ConfigError


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """The checkpoint's content as `torch.load(weights_only=True)` reads it, or one sentence."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ConfigError(f"ckpt_path={path} is not a readable checkpoint ({exc}).") from None


def load_model(ckpt_path: Any, device: str = "auto") -> pl.LightningModule:
    """The litlab model saved in `ckpt_path` (its class is recorded in the checkpoint), loaded
    with `weights_only=True` onto `device` (auto: a GPU when there is one), in eval mode."""
    path = Path(str(ckpt_path)) if ckpt_path not in (None, "", "null") else None
    if path is None or not path.is_file():
        raise ConfigError(f"ckpt_path={ckpt_path} does not exist; give the path of a .ckpt file.")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    model_cls = model_class(read_checkpoint(path), path)
    model = model_cls.load_from_checkpoint(path, map_location=device, weights_only=True)
    return model.eval()


def run_folder(ckpt: Path) -> Path:
    """The run folder that wrote `ckpt`: `<run>` for `<run>/checkpoints/x.ckpt`, else its folder."""
    return ckpt.parent.parent if ckpt.parent.name == "checkpoints" else ckpt.parent


def model_class(checkpoint: dict[str, Any], path: str | Path) -> type[pl.LightningModule]:
    """The model class a litlab checkpoint records; one sentence when it records none."""
    stored = checkpoint.get("litlab_config") or {}
    target = (stored.get("model") or {}).get("_target_")
    if target is None:
        raise ConfigError(f"{path} was not written by litlab (no model recorded in it).")
    return hydra.utils.get_class(target)


class AtomicCheckpointIO(TorchCheckpointIO):
    """Writes each checkpoint to a temporary file beside it, then renames it into place.

    Lightning's own save goes through a temporary file in the system's temp folder, and its
    final move is a copy when that folder is on another file system, so a kill during the copy
    leaves a truncated `last.ckpt`. A rename within one folder is atomic: the old file stays
    whole until the new one is complete.
    """

    def save_checkpoint(
        self, checkpoint: dict[str, Any], path: str | Path, storage_options: Any = None
    ) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        try:
            with open(partial, "wb") as file:
                torch.save(checkpoint, file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
