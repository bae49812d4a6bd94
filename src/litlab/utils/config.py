"""Small helpers for turning Hydra configs into plain values and objects."""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf


def plain(value: Any) -> Any:
    """A resolved, plain-Python copy of a config: dicts, lists and scalars only."""
    if isinstance(value, DictConfig | ListConfig):
        return OmegaConf.to_container(value, resolve=True)
    return value


def resolved_config(cfg: DictConfig) -> dict[str, Any]:
    """The run's config as plain values, without Hydra's own settings."""
    return {str(k): plain(v) for k, v in cfg.items() if k != "hydra"}
