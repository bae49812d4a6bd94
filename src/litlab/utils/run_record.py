"""What `summary.json` records about how a run came to be: config, overrides, seed, package
versions and the code's git commit, so a number can be traced to what produced it."""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from litlab.utils.config import resolved_config

PACKAGES = ("litlab", "torch", "torchvision", "pytorch-lightning", "torchmetrics", "hydra-core")


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_state(folder: Path | None = None) -> dict[str, Any] | None:
    """The commit of the litlab source tree and whether it had uncommitted changes; None
    outside a git checkout (an installed wheel) or without git."""
    folder = folder or Path(__file__).resolve().parent

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=folder, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": dirty}


def run_record(cfg: DictConfig) -> dict[str, Any]:
    """The fields summary.json adds to every run's outcome."""
    hydra = HydraConfig.get() if HydraConfig.initialized() else None
    return {
        "seed": cfg.get("seed"),
        "overrides": [str(o) for o in hydra.overrides.task] if hydra else [],
        "config": resolved_config(cfg),
        "versions": package_versions(),
        "git": git_state(),
    }
