"""Composing a command line once per process.

Composing the config is most of what a check costs (about a quarter of a second here), and a
run used to pay for it four times: litlab's check (`litlab.cli`), the same line without its
values (to learn the defaults' types), then Hydra twice more, once to read `hydra.mode` and
once to run. `remember_compositions` makes Hydra's one loader remember what each command line
composed into and hand out copies, with the values its overrides replaced, so a run composes
once. Only Hydra's internal loader is touched; if a Hydra release renames it, everything still
works, composing as often as before.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.core.utils import JobRuntime
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from litlab.conf_dir import conf_dir

try:
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
except ImportError:  # pragma: no cover - a Hydra without this loader: compose every time
    ConfigLoaderImpl = None


@dataclass
class Composition:
    """What one command line composed into, or why it did not."""

    config: DictConfig | None = None
    error: Exception | None = None
    replaced: dict[str, Any] = field(default_factory=dict)  # override key -> value before it
    job_name: str | None = None  # JobRuntime's name when composed (Hydra's default job name)


MEMORY: dict[tuple, Composition] = {}
RUN_MODE = "hydra.mode=RUN"
_replaced: dict[str, Any] | None = None  # filled while a composition applies its overrides


def _key(loader: Any, config_name: str | None, overrides: list[str]) -> tuple:
    path = tuple((p.provider, p.path) for p in loader.config_search_path.get_path())
    return path, config_name, tuple(overrides)


def _job_name() -> str | None:
    runtime = JobRuntime.instance()
    return runtime.get("name") if "name" in runtime.conf else None


def _copy(composition: Composition) -> DictConfig:
    if composition.error is not None:
        raise composition.error
    cfg = copy.deepcopy(composition.config)
    name, now = composition.job_name, _job_name()
    if now and name != now and OmegaConf.select(cfg, "hydra.job.name") == name:
        cfg.hydra.job.name = now  # the name was Hydra's default, not the config's
    return cfg


def _remembering_load(original: Callable) -> Callable:
    def load_configuration(
        self: Any,
        config_name: str | None,
        overrides: list[str],
        run_mode: RunMode,
        from_shell: bool = True,
        validate_sweep_overrides: bool = True,
    ) -> DictConfig:
        key = _key(self, config_name, overrides)
        known = MEMORY.get(key)
        # Hydra's `get_mode` composes in MULTIRUN mode just to read hydra.mode: a RUN
        # composition of the same line gives the same answer
        if known and (run_mode == RunMode.RUN or not validate_sweep_overrides):
            return _copy(known)
        # then Hydra runs the line with `hydra.mode=RUN` added when the config left it unset
        if run_mode == RunMode.RUN and overrides[-1:] == [RUN_MODE]:
            known = MEMORY.get(_key(self, config_name, overrides[:-1]))
            if known and known.config is not None and known.config.hydra.mode is None:
                cfg = _copy(known)
                cfg.hydra.mode = RunMode.RUN
                cfg.hydra.overrides.hydra.append(RUN_MODE)
                return cfg
        global _replaced
        _replaced = {}
        try:
            cfg = original(
                self, config_name, overrides, run_mode, from_shell, validate_sweep_overrides
            )
        except Exception as exc:
            if run_mode == RunMode.RUN:  # the same line fails the same way
                MEMORY[key] = Composition(error=exc)
            raise
        finally:
            replaced, _replaced = _replaced, None
        if run_mode == RunMode.RUN:
            MEMORY[key] = Composition(copy.deepcopy(cfg), None, replaced, _job_name())
        return cfg

    return load_configuration


def _recording_apply(original: Callable) -> staticmethod:
    def apply_overrides_to_config(overrides: list, cfg: DictConfig) -> None:
        if _replaced is not None:
            for override in overrides:
                if not (override.is_add() or override.is_delete()):
                    key = override.key_or_group
                    _replaced[key] = OmegaConf.select(cfg, key, throw_on_resolution_failure=False)
        original(overrides, cfg)

    return staticmethod(apply_overrides_to_config)


def remember_compositions() -> None:
    """Install the memory in Hydra's loader (once per process)."""
    if ConfigLoaderImpl is None or getattr(ConfigLoaderImpl, "_litlab_remembers", False):
        return
    if not hasattr(ConfigLoaderImpl, "_apply_overrides_to_config"):  # pragma: no cover
        return
    ConfigLoaderImpl.load_configuration = _remembering_load(ConfigLoaderImpl.load_configuration)
    ConfigLoaderImpl._apply_overrides_to_config = _recording_apply(
        ConfigLoaderImpl._apply_overrides_to_config
    )
    ConfigLoaderImpl._litlab_remembers = True


def composed(config_name: str, overrides: list[str]) -> DictConfig:
    """The config, Hydra's own included, that `overrides` compose into (a copy each call)."""
    remember_compositions()
    with initialize_config_dir(conf_dir(), version_base="1.3"):
        return compose(config_name, list(overrides), return_hydra_config=True)


def replaced_values(config_name: str, overrides: list[str]) -> dict[str, Any] | None:
    """The value each `key=value` override replaced when `overrides` were last composed (the
    defaults of the same line without its values); None when unknown."""
    for (_, name, line), composition in MEMORY.items():
        if name == config_name and line == tuple(overrides) and composition.config is not None:
            return composition.replaced
    return None
