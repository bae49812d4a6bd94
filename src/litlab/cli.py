"""Command-line entry points: overrides that do not compose get one sentence, not a traceback.

Hydra reports an unknown option or group choice with a multi-line message and leaves no run
folder. `launch` composes the command line once before handing it to Hydra; when that fails it
writes `summary.json` (status `failed`, the reason) into the run folder the job would have had,
prints the reason in one sentence and exits with code 1. A multirun (`-m`) is checked the
same way, once for every value of every sweep, before any job starts; its reason goes to the
sweep folder's summary.json. Composing also catches a mandatory option left unset and a word
where the default is a number or a flag. Hydra's other flags (`--help`, `--cfg`, ...) go
straight to Hydra.

Before that, the command line is completed where the config is composed, so `.hydra/` records
the config that runs: `group=null` removes a group (`logger=null`), `ckpt_path=` brings back its
run's config and folder (`litlab.resume`), and a CSV table whose target holds numbers gets
`model=regressor` when no model was chosen.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException, MissingConfigException, OverrideParseException
from omegaconf import DictConfig, OmegaConf

from litlab.compose import composed, replaced_values
from litlab.conf_dir import config_roots
from litlab.errors import LitlabError
from litlab.fits import config_problem
from litlab.help import help_text
from litlab.resume import key_of, resume_overrides
from litlab.utils.summary import write_summary

RUN_FOLDER_KEYS = ("hydra.", "paths.", "task_name")
# options whose default is a number but that take strings too ("auto", "0,1")
FLEXIBLE_KEYS = ("trainer.devices",)
MULTIRUN_FLAGS = ("-m", "--multirun")
HELP_FLAGS = ("-h", "--help")  # litlab's help (litlab.help); --hydra-help is Hydra's


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
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    for line in [sweep_jobs(kept)[0]] if multirun else [overrides, kept]:
        try:  # the whole line was composed by the check already (litlab.compose remembers)
            return Path(OmegaConf.select(composed(config_name, line), key))
        except Exception:  # the folder is a courtesy; the error message is what matters
            continue
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
    with every mandatory value set, numbers and flags where the defaults have them, and (for
    training) a model that fits its data as far as the config tells (litlab.fits)."""
    try:
        for job in sweep_jobs(overrides) if multirun else [overrides]:
            cfg = composed(config_name, job)
            reason = missing_value(cfg, config_name) or wrong_type(config_name, job, cfg)
            reason = reason or (config_problem(cfg) if config_name == "train" else None)
            if reason:
                return reason
    except HydraException as exc:
        return explain(exc, overrides)
    except Exception as exc:  # OmegaConf and Hydra internals raise plain errors too
        return str(exc).strip().splitlines()[0].rstrip(".") + "."
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
        # a flag given as true/false is right whatever the default: only other values can be wrong
        value = OmegaConf.select(cfg, key, throw_on_resolution_failure=False)
        if key not in FLEXIBLE_KEYS and not isinstance(value, bool):
            values[key] = override.input_line
    if not values:
        return None  # nothing to check: spare the second composition
    replaced = replaced_values(config_name, job)
    if replaced is None:  # not remembered: compose the line without its values
        rest = [o for o in job if o not in values.values()]
        defaults = composed(config_name, rest)
        replaced = {
            k: OmegaConf.select(defaults, k, throw_on_resolution_failure=False) for k in values
        }
    for key, line in values.items():
        # `${hydra:...}` values cannot resolve outside Hydra's runtime; they read as None
        default = replaced.get(key)
        value = OmegaConf.select(cfg, key, throw_on_resolution_failure=False)
        if isinstance(default, bool) and not isinstance(value, bool):
            return f"{line}: {key} takes true or false."
        if isinstance(default, int | float) and isinstance(value, str):
            return f"{line}: {key} takes a number (default {default})."
    return None


def is_override(arg: str) -> bool:
    return "=" in arg or arg.startswith("~")


def without_null_groups(args: list[str]) -> list[str]:
    """`logger=null` as Hydra spells it, `~logger`, for every config group under conf/."""
    roots = config_roots(args)
    return [
        f"~{key}" if value == "null" and any((root / key).is_dir() for root in roots) else arg
        for arg in args
        for key, _, value in [arg.partition("=")]
    ]


def default_model(config_name: str, args: list[str]) -> list[str]:
    """`model=regressor` added for a CSV table whose target holds numbers, when neither the
    command line nor an experiment chose a model (a data config that knows its target kind
    chooses in YAML instead, like data=diabetes)."""
    chosen = {key_of(a).replace("/", ".").split(".")[0] for a in args}
    if config_name != "train" or chosen & {"model", "experiment"}:
        return args  # model.label_smoothing=... keeps the classifier, which then says why
    try:
        data = composed(config_name, args).data
    except Exception:  # check_overrides explains what does not compose
        return args
    if not str(data.get("_target_", "")).endswith(".TabularDataModule") or data.get("task"):
        return args
    if not (data.get("path") and data.get("target")):
        return args
    import hydra.utils

    from litlab.data.tabular import infer_task

    try:
        module = hydra.utils.instantiate(data)
        task = infer_task(module.load_frame()[data.target], data.max_classes)
    except Exception:  # the run itself reports a missing file or column in one sentence
        return args
    if task != "regression":
        return args
    print(f"Model: regressor, since data.target={data.target} holds numbers (or choose model=)")
    return [*args, "model=regressor"]


def complete(config_name: str, args: list[str], multirun: bool) -> list[str]:
    """The command line as it will run (see the module docstring)."""
    args = without_null_groups(args)
    if config_name == "train" and not multirun:
        args = resume_overrides(args)
        args = default_model(config_name, args)
    return args


def launch(config_name: str, hydra_main: Callable[[], Any], summary: bool = True) -> Any:
    """Run `hydra_main` (a `@hydra.main` function) if the command line composes; otherwise
    exit 1 with the reason, also written to the run folder's summary.json when `summary`."""
    given = sys.argv[1:]
    if any(a in HELP_FLAGS for a in given):
        with contextlib.suppress(BrokenPipeError):  # `--help | head`
            print(help_text(config_name, given), flush=True)
        sys.exit(0)
    flags = [a for a in given if not is_override(a)]
    args = [a for a in given if is_override(a)]
    multirun = any(f in MULTIRUN_FLAGS for f in flags)
    checked = all(f in MULTIRUN_FLAGS for f in flags)  # --help, --cfg ... go straight to Hydra
    try:
        completed = complete(config_name, args, multirun)
        reason = check_overrides(config_name, completed, multirun) if checked else None
    except LitlabError as exc:
        completed, reason = args, str(exc)
    if reason is not None:
        folder = run_folder(config_name, completed, multirun) if summary else None
        if folder is not None:
            write_summary(folder, "failed", error=reason)
        print(f"error: {reason}", file=sys.stderr)
        sys.exit(1)
    sys.argv = [sys.argv[0], *flags, *completed]
    return hydra_main()
