"""Every outcome of a run, good or bad, leaves an honest `summary.json`."""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig
from pytorch_lightning.utilities import rank_zero_only
from pytorch_lightning.utilities.exceptions import SIGTERMException

from litlab.errors import explain
from litlab.utils.loggers import finish_wandb
from litlab.utils.run_record import run_record
from litlab.utils.summary import write_summary
from litlab.utils.wandb_summary import publish_summary

log = logging.getLogger(__name__)


def explained(exc: BaseException) -> tuple[bool, str]:
    """Whether `exc` is the user's mistake (not a bug), and the reason a summary records."""
    reason = explain(exc)
    return reason is not None, reason or f"{type(exc).__name__}: {exc}"


def interrupted(exc: SIGTERMException) -> tuple[str, int]:
    """Why the run stopped on a signal, and the exit code a shell gives that signal."""
    signum = getattr(exc, "signal", signal.SIGTERM)
    name = signal.Signals(signum).name
    checkpoint = getattr(exc, "checkpoint", None)
    where = f"; resume with ckpt_path={checkpoint}" if checkpoint else ""
    return f"stopped by {name}{where}", 128 + int(signum)


def pruned(exc: BaseException) -> bool:
    """Whether a search's pruner stopped the run (litlab.callbacks.optuna_pruning); optuna is
    imported only when a search runs, so without it no exception can be its TrialPruned."""
    optuna = sys.modules.get("optuna")
    return optuna is not None and isinstance(exc, optuna.TrialPruned)


def record(cfg: DictConfig) -> dict[str, Any]:
    try:
        return run_record(cfg)
    except Exception as exc:  # the record must never hide the outcome it accompanies
        log.warning("Could not record the run's config and versions: %s", exc)
        return {}


def in_multirun() -> bool:
    """Whether this process runs one job of a Hydra sweep (`-m`)."""
    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


def run_task(cfg: DictConfig, task: Callable[[DictConfig], dict[str, Any]]) -> dict[str, Any]:
    """Call `task(cfg)`, which returns summary fields, and write `summary.json` either way.

    A LitlabError (or a config error) ends the process with its one-sentence message and exit
    code 1; SIGTERM/SIGUSR1 and Ctrl-C end it as `interrupted` with the signal's exit code
    (128 + its number); any other error is recorded as failed and re-raised with its
    traceback (a bug).
    A trial that a search's pruner stopped is recorded and returned as `pruned` (the reason
    and the metrics so far), not as a failure.
    In a sweep, a failed job (bad input, a diverging loss, a bug) returns its failed summary
    instead, its reason on stderr and its traceback in the job's log, so the sweep goes on;
    the sweep's end counts the failures and exits 1 (litlab.report.faults).
    """
    start = time.time()
    folder = cfg.paths.output_dir
    try:
        result = task(cfg)
    except BaseException as exc:
        if not pruned(exc):
            return ended_badly(cfg, exc, start)
        log.info("Trial %s", exc)  # recorded below like a finished run, with its own status
        result = {
            "status": "pruned",
            "error": str(exc),
            "monitor": getattr(exc, "monitor", None),
            "metrics": getattr(exc, "metrics", {}),
        }
    if rank_zero_only.rank == 0:
        path = write_summary(folder, seconds=time.time() - start, **result, **record(cfg))
        log.info("Summary: %s", path)
        publish_summary(folder, cfg.paths.get("figures_dir"))
    finish_wandb()
    return result


def ended_badly(cfg: DictConfig, exc: BaseException, start: float) -> dict[str, Any]:
    """`run_task`'s ending for a run that raised: failed or interrupted (see there)."""
    folder = cfg.paths.output_dir
    users, reason = explained(exc)
    status, code = "failed", 1
    if isinstance(exc, KeyboardInterrupt):  # Ctrl-C: stopped, like a signal, not failed
        status, reason, code = "interrupted", "interrupted by the user (Ctrl-C)", 130
    if isinstance(exc, SIGTERMException):
        status, (reason, code) = "interrupted", interrupted(exc)
    if rank_zero_only.rank == 0:
        elapsed = time.time() - start
        write_summary(folder, status, seconds=elapsed, error=reason, **record(cfg))
        publish_summary(folder, cfg.paths.get("figures_dir"))
    finish_wandb()
    if status == "failed" and isinstance(exc, Exception) and in_multirun():
        log.error("Job failed: %s", reason, exc_info=not users)
        print(f"error: {reason}", file=sys.stderr)
        return {"status": "failed", "error": reason, "metrics": {}}
    if not users and status != "interrupted":
        raise
    log.error(reason)
    print(f"error: {reason}", file=sys.stderr)
    sys.exit(code)
