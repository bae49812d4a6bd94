"""Logger construction that works with no account and no network."""

from __future__ import annotations

import netrc
import os
from pathlib import Path
from typing import Any

from pytorch_lightning.loggers import WandbLogger


def wandb_logged_in() -> bool:
    """True when a W&B API key is available (WANDB_API_KEY or `wandb login`'s netrc entry)."""
    if os.environ.get("WANDB_API_KEY"):
        return True
    try:
        rc = netrc.netrc(os.environ.get("NETRC", Path.home() / ".netrc"))
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return False
    return any("wandb" in host for host in rc.hosts)


def wandb_logger(offline: bool | None = None, **kwargs: Any) -> WandbLogger:
    """WandbLogger, offline unless the user has logged in (or `offline`/WANDB_MODE says so).

    Offline runs are written under `save_dir/wandb/` and can be uploaded later with
    `wandb sync <run folder>`.
    """
    if offline is None:
        offline = os.environ.get("WANDB_MODE") in ("offline", "disabled") or not wandb_logged_in()
    if offline:
        os.environ.setdefault("WANDB_MODE", "offline")
    Path(kwargs.get("save_dir", ".")).mkdir(parents=True, exist_ok=True)
    return WandbLogger(offline=offline, **kwargs)


def finish_wandb() -> None:
    """Close the W&B run so the next job of a multirun starts its own."""
    import sys

    if "wandb" in sys.modules:
        import wandb

        if wandb.run is not None:
            wandb.finish()
