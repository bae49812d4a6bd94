"""Command-line entry points: overrides that do not compose get one sentence, not a traceback.

Hydra reports an unknown option or group choice with a multi-line message and leaves no run
folder. `launch` composes the command line once before handing it to Hydra; when that fails it
writes `summary.json` (status `failed`, the reason) into the run folder the job would have had,
prints the reason in one sentence and exits with code 1. A multirun (`-m`) is checked the
same way, once for every value of every sweep, before any job starts; its reason goes to the
sweep folder's summary.json. Composing also catches a mandatory option left unset and a word
where the default is a number or a flag. Hydra's other flags (`--help`, `--cfg`, ...) go
straight to Hydra.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException, MissingConfigException, OverrideParseException
from omegaconf import DictConfig, OmegaConf

from litlab.conf_dir import conf_dir
from litlab.utils.summary import write_summary

RUN_FOLDER_KEYS = ("hydra.", "paths.", "task_name")
# options whose default is a number but that take strings too ("auto", "0,1")
FLEXIBLE_KEYS = ("trainer.devices",)
MULTIRUN_FLAGS = ("-m", "--multirun")


def parses(override: str) -> bool:
    try:
        OverridesParser.create().parse_override(override)
    except HydraException:
        return False
    return True


def explain(exc: Exception, overrides: list[str]) -> str:
    """One sentence for a Hydra composition error."""
    text = str(exc)
    if isinstance(exc, MissingConfigException):
        missing = re.search(r"Could not find '([^']+)'", text)
        options = re.findall(r"^\t(\S+)$", text, flags=re.MULTILINE)
        if missing and "/" in missing.group(1):
            group, _, name = missing.group(1).rpartition("/")
            choices = f"; choose one of: {', '.join(options)}" if options else ""
            return f"'{name}' is not a choice for the config group '{group}'{choices}."
    if isinstance(exc, OverrideParseException):
        bad = next((o for o in overrides if not parses(o)), " ".join(overrides))
        return f"could not parse the override '{bad}': {text.splitlines()[0]}."
    unknown = re.search(r"Could not override '([^']+)'", text)
    if unknown:
        key = unknown.group(1)
        return (
            f"'{key}' is not a config option; check its spelling "
            f"(`--cfg job` prints them all), or add a new key with +{key}=..."
        )
    return text.splitlines()[0].rstrip(".") + "."


def run_folder(config_name: str, overrides: list[str], multirun: bool = False) -> Path | None:
    """The run (or sweep) folder Hydra would have made, from the overrides that decide it."""
    kept = [o for o in overrides if o.lstrip("+~").startswith(RUN_FOLDER_KEYS)]
    try:
        kept = sweep_jobs(kept)[0] if multirun else kept
        with initialize_config_dir(conf_dir(), version_base="1.3"):
            cfg = compose(config_name, overrides=kept, return_hydra_config=True)
        return Path(OmegaConf.select(cfg, "hydra.sweep.dir" if multirun else "hydra.run.dir"))
    except Exception:  # the folder is a courtesy; the error message is what matters
        return None


def sweep_jobs(overrides: list[str]) -> list[list[str]]:
    """Override lists that between them use every value of every sweep (`a=1,2`, `range`,
    `choice`) once: first each sweep at its first value, then one sweep value at a time.
    Sweeps that cannot be listed (`interval`, `glob`) are left to Hydra's sweeper."""
    fixed: list[str] = []
    sweeps: list[list[str]] = []
    for override in OverridesParser.create().parse_overrides(overrides):
        line = override.input_line
        if not override.is_sweep_override():
            fixed.append(line)
            continue
        try:
            values = list(override.sweep_string_iterator())
        except HydraException:
            continue
        key = line.split("=", 1)[0]
        sweeps.append([f"{key}={value}" for value in values])
    first = [values[0] for values in sweeps if values]
    jobs = [fixed + first]
    for i, values in enumerate(sweeps):
        for value in values[1:]:
            jobs.append(fixed + first[:i] + [value] + first[i + 1 :])
    return jobs


def check_overrides(config_name: str, overrides: list[str], multirun: bool = False) -> str | None:
    """None when the overrides compose (in a multirun, with each sweep value) into a config
    with every mandatory value set and numbers and flags where the defaults have them."""
    try:
        with initialize_config_dir(conf_dir(), version_base="1.3"):
            for job in sweep_jobs(overrides) if multirun else [overrides]:
                cfg = compose(config_name, overrides=job, return_hydra_config=True)
                reason = missing_value(cfg, config_name) or wrong_type(config_name, job, cfg)
                if reason:
                    return reason
    except HydraException as exc:
        return explain(exc, overrides)
    return None


def missing_value(cfg: DictConfig, config_name: str) -> str | None:
    """Why a mandatory (`???`) top-level option is still unset, if one is."""
    missing = [k for k in cfg if k != "hydra" and OmegaConf.is_missing(cfg, k)]
    if not missing:
        return None
    return f"{missing[0]} must be set: python {config_name}.py {missing[0]}=..."


def wrong_type(config_name: str, job: list[str], cfg: DictConfig) -> str | None:
    """Why a `key=value` override is not a number or flag where the default is one, if so.

    Hydra keeps `trainer.max_epochs=abc` as the string 'abc'; the Trainer would take it and
    fail deep inside the loop. Defaults come from the same command line without its values.
    """
    groups = set(cfg.hydra.runtime.choices)
    values = {}
    for override in OverridesParser.create().parse_overrides(job):
        key = override.key_or_group
        if override.is_add() or override.is_delete() or key in groups or key.startswith("hydra"):
            continue
        if key not in FLEXIBLE_KEYS:
            values[key] = override.input_line
    if not values:
        return None
    rest = [o for o in job if o not in values.values()]
    defaults = compose(config_name, overrides=rest)
    for key, line in values.items():
        # `${hydra:...}` values cannot resolve outside Hydra's runtime; they read as None
        default = OmegaConf.select(defaults, key, throw_on_resolution_failure=False)
        value = OmegaConf.select(cfg, key, throw_on_resolution_failure=False)
        if isinstance(default, bool) and not isinstance(value, bool):
            return f"{line}: {key} takes true or false."
        if isinstance(default, int | float) and isinstance(value, str):
            return f"{line}: {key} takes a number (default {default})."
    return None


def launch(config_name: str, hydra_main: Callable[[], Any], summary: bool = True) -> Any:
    """Run `hydra_main` (a `@hydra.main` function) if the command line composes; otherwise
    exit 1 with the reason, also written to the run folder's summary.json when `summary`."""
    args = [a for a in sys.argv[1:] if a not in MULTIRUN_FLAGS]
    multirun = len(args) < len(sys.argv) - 1
    if not any(a.startswith("-") for a in args):
        reason = check_overrides(config_name, args, multirun)
        if reason is not None:
            folder = run_folder(config_name, args, multirun) if summary else None
            if folder is not None:
                write_summary(folder, "failed", error=reason)
            print(f"error: {reason}", file=sys.stderr)
            sys.exit(1)
    return hydra_main()
