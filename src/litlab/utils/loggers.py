"""Logger construction that works with no account and no network."""

from __future__ import annotations

import netrc
import os
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.types import RunMode
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


def job_overrides() -> dict[str, Any]:
    """This job's command-line overrides as {key: typed value} (`model.optimizer.lr`: 0.001)."""
    if not HydraConfig.initialized():
        return {}
    parsed = OverridesParser.create().parse_overrides(list(HydraConfig.get().overrides.task))
    return {o.key_or_group: o.value() for o in parsed}


def sweep_name() -> str | None:
    """The sweep folder's name in a job of a sweep (`-m`), None in a single run."""
    if HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN:
        return Path(HydraConfig.get().sweep.dir).name
    return None


def wandb_logger(
    offline: bool | None = None,
    save_dir: str = ".",
    name: str | None = None,
    group: str | None = None,
    **kwargs: Any,
) -> WandbLogger:
    """WandbLogger, offline unless the user has logged in (or `offline`/WANDB_MODE says so).

    A sweep is one W&B group (the sweep folder's name, unless `group` names one) and each job a
    run named after its folder, with its overrides in the run config under `overrides`.
    Offline runs are written under `save_dir/wandb/` and can be uploaded later with
    `wandb sync <run folder>`.
    """
    if offline is None:
        offline = os.environ.get("WANDB_MODE") in ("offline", "disabled") or not wandb_logged_in()
    if offline:
        os.environ.setdefault("WANDB_MODE", "offline")
    Path(save_dir).mkdir(parents=True, exist_ok=True)
    return WandbLogger(
        offline=offline,
        save_dir=save_dir,
        name=name or Path(save_dir).resolve().name,
        group=group or sweep_name(),
        config={"overrides": job_overrides()},
        **kwargs,
    )


def finish_wandb() -> None:
    """Close the W&B run so the next job of a multirun starts its own."""
    import sys

    if "wandb" in sys.modules:
        import wandb

        if wandb.run is not None:
            wandb.finish()
