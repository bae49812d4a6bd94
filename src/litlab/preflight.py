"""What a command does before torch loads: complete the command line, check it, or explain it.

`check_command_line` is the first call of every task. It answers `--help` from the YAML files,
and composes the command line once with Hydra's public compose API; an unknown option or
choice, an unset mandatory value, a word where a number belongs, or a model that cannot learn
from the chosen data ends the process with one sentence and exit code 1, with that reason in
the `summary.json` of the run folder the job would have had. A multirun (`-m`) is checked the
same way for every value of every sweep before any job starts.

The command line is completed here, so that Hydra composes and `.hydra/` records the config
that runs: `group=null` becomes Hydra's `~group`, `ckpt_path=` brings back its run's config and
folder (`litlab.resume`), and a CSV table whose target holds numbers gets `model=regressor`
when no model was chosen.
"""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Iterator
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf

from litlab.conf_dir import conf_dir, config_roots
from litlab.errors import LitlabError, explain, first_line
from litlab.fits import config_problem
from litlab.help import help_text
from litlab.resume import key_of, resume_overrides
from litlab.utils.summary import write_summary

RUN_FOLDER_KEYS = ("hydra.", "paths.", "task_name")
FLEXIBLE_KEYS = ("trainer.devices",)  # a number by default, and takes "auto" or "0,1" too
MULTIRUN_FLAGS = ("-m", "--multirun")
HELP_FLAGS = ("-h", "--help")  # litlab's help (litlab.help); --hydra-help is Hydra's


def composed(config_name: str, overrides: list[str]) -> DictConfig:
    """The config, Hydra's own included, that `overrides` compose into."""
    with initialize_config_dir(conf_dir(), version_base="1.3"):
        return compose(config_name, list(overrides), return_hydra_config=True)


def check_command_line(config_name: str, summary: bool = True) -> None:
    """Print the help, or exit 1 with the reason a command line cannot run (also written to
    the run folder's summary.json when `summary`); otherwise leave the completed command line
    in `sys.argv` for `@hydra.main`."""
    given = sys.argv[1:]
    if any(a in HELP_FLAGS for a in given):
        with contextlib.suppress(BrokenPipeError):  # `--help | head`
            print(help_text(config_name, given), flush=True)
        sys.exit(0)
    flags = [a for a in given if not is_override(a)]
    args = [a for a in given if is_override(a)]
    multirun = any(f in MULTIRUN_FLAGS for f in flags)
    checked = all(f in MULTIRUN_FLAGS for f in flags)  # --cfg, --info ... go straight to Hydra
    try:
        completed = complete(config_name, args, multirun)
        reason = problem(config_name, completed, multirun) if checked else None
    except LitlabError as exc:
        completed, reason = args, str(exc)
    if reason is not None:
        folder = run_folder(config_name, completed, multirun) if summary else None
        if folder is not None:
            write_summary(folder, "failed", error=reason)
        print(f"error: {reason}", file=sys.stderr)
        sys.exit(1)
    sys.argv = [sys.argv[0], *flags, *completed]


def is_override(arg: str) -> bool:
    return "=" in arg or arg.startswith("~")


def complete(config_name: str, args: list[str], multirun: bool) -> list[str]:
    """The command line as it will run (see the module docstring)."""
    args = without_null_groups(args)
    if config_name == "train" and not multirun:
        args = default_model(resume_overrides(args))
    return args


def without_null_groups(args: list[str]) -> list[str]:
    """`logger=null` as Hydra spells it, `~logger`, for every config group under conf/."""
    roots = config_roots(args)
    return [
        f"~{key}" if value == "null" and any((root / key).is_dir() for root in roots) else arg
        for arg in args
        for key, _, value in [arg.partition("=")]
    ]


def default_model(args: list[str]) -> list[str]:
    """`model=regressor` added for a CSV table whose target holds numbers, when neither the
    command line nor an experiment chose a model (a data config that knows its target kind
    chooses in YAML instead, like data=diabetes)."""
    chosen = {key_of(a).replace("/", ".").split(".")[0] for a in args}
    if chosen & {"model", "experiment"}:
        return args  # model.label_smoothing=... keeps the classifier, which then says why
    try:
        data = composed("train", args).data
    except Exception:  # `problem` explains what does not compose
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


def problem(config_name: str, overrides: list[str], multirun: bool = False) -> str | None:
    """Why the overrides (in a multirun, with each sweep value) cannot run, or None: they must
    compose, set every mandatory value, give numbers and flags where the defaults have them,
    and (for training) choose a model that fits its data as far as the config tells."""
    try:
        for job in sweep_jobs(overrides) if multirun else [overrides]:
            cfg = composed(config_name, job)
            reason = missing_value(cfg, config_name) or wrong_type(config_name, job, cfg)
            reason = reason or (config_problem(cfg) if config_name == "train" else None)
            if reason:
                return reason
    except Exception as exc:  # OmegaConf and Hydra raise plain errors too
        return explain(exc, overrides) or first_line(exc)
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
    fail deep inside the loop. The defaults come from the same line without those values.
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
        return None
    defaults = composed(config_name, [o for o in job if o not in values.values()])
    for key, line in values.items():
        # `${hydra:...}` values cannot resolve outside Hydra's runtime; they read as None
        default = OmegaConf.select(defaults, key, throw_on_resolution_failure=False)
        value = OmegaConf.select(cfg, key, throw_on_resolution_failure=False)
        if isinstance(default, bool) and not isinstance(value, bool):
            return f"{line}: {key} takes true or false."
        if isinstance(default, int | float) and isinstance(value, str):
            return f"{line}: {key} takes a number (default {default})."
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


def run_folder(config_name: str, overrides: list[str], multirun: bool = False) -> Path | None:
    """The run (or sweep) folder Hydra would have made, from the overrides that decide it."""
    kept = [o for o in overrides if o.lstrip("+~").startswith(RUN_FOLDER_KEYS)]
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    for line in [sweep_jobs(kept)[0]] if multirun else [overrides, kept]:
        try:
            return Path(OmegaConf.select(composed(config_name, line), key))
        except Exception:  # the folder is a courtesy; the error message is what matters
            continue
    return None


_frozen = False


@contextlib.contextmanager
def task_imports() -> Iterator[None]:
    """Import a task's modules (torch, Lightning, the data and model) inside this block: with
    Python's cyclic collector paused while they build their million long-lived objects, which
    are then frozen out of later collections and the walk at exit. Once per process; later
    blocks (a sweep's next job) import with the collector running as usual."""
    global _frozen
    if _frozen or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
        _frozen = True
