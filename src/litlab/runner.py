"""Run a task so that every outcome, good or bad, leaves an honest `summary.json`."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from omegaconf import DictConfig
from pytorch_lightning.utilities import rank_zero_only

from litlab.errors import LitlabError
from litlab.utils.loggers import finish_wandb
from litlab.utils.summary import write_summary

log = logging.getLogger(__name__)


def user_error(exc: BaseException) -> LitlabError | None:
    """The LitlabError behind `exc`, also when Hydra or Lightning wrapped it."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, LitlabError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def run_task(cfg: DictConfig, task: Callable[[DictConfig], dict[str, Any]]) -> dict[str, Any]:
    """Call `task(cfg)`, which returns summary fields, and write `summary.json` either way.

    A LitlabError ends the process with its one-sentence message and exit code 1; any other
    error is recorded as failed and re-raised with its traceback (it is a bug).
    """
    start = time.time()
    folder = cfg.paths.output_dir
    try:
        result = task(cfg)
    except BaseException as exc:
        problem = user_error(exc)
        reason = str(problem) if problem else f"{type(exc).__name__}: {exc}"
        if isinstance(exc, KeyboardInterrupt):
            reason = "interrupted by the user"
        if rank_zero_only.rank == 0:
            write_summary(folder, "failed", seconds=time.time() - start, error=reason)
        finish_wandb()
        if problem is None:
            raise
        log.error(reason)
        print(f"error: {reason}", file=sys.stderr)
        sys.exit(1)
    finish_wandb()
    if rank_zero_only.rank == 0:
        path = write_summary(folder, seconds=time.time() - start, **result)
        log.info("Summary: %s", path)
    return result
