"""OmegaConf resolvers that litlab's configs use.

`${litlab.run_id:}` names a run (or sweep) folder: the start time and a random token, so two runs
started in the same second never share a folder; on a SLURM batch job it is the job id instead,
so a preempted job that SLURM requeues comes back to its own folder and resumes there.

A command line draws its id once (`start_run_id`, called by `litlab.cli.launch`) and hands it to
the processes it starts through the environment: the workers of a parallel launcher (joblib)
resolve the sweep folder again and must find the same one. Code that composes a config without
a command line (a notebook, the tests) draws an id per process on first use, not at import, so
a process forked from one that imported litlab gets its own.
"""

from __future__ import annotations

import os
import secrets
import time

from omegaconf import OmegaConf

RUN_ID_VARIABLE = "LITLAB_RUN_ID"
IDS: dict[int, str] = {}  # by process id
INTERACTIVE_SLURM_JOBS = ("bash", "interactive")  # salloc/srun shells, as Lightning reads them


def new_run_id() -> str:
    return f"{time.strftime('%Y-%m-%d_%H-%M-%S')}_{secrets.token_hex(3)}"


def start_run_id() -> None:
    """A new id for the run or sweep of this command line, and of the processes it starts."""
    os.environ[RUN_ID_VARIABLE] = new_run_id()


def run_id() -> str:
    job = os.environ.get("SLURM_JOB_ID")
    if job and os.environ.get("SLURM_JOB_NAME", "bash") not in INTERACTIVE_SLURM_JOBS:
        array, task = os.environ.get("SLURM_ARRAY_JOB_ID"), os.environ.get("SLURM_ARRAY_TASK_ID")
        return f"slurm-{array}_{task}" if array and task else f"slurm-{job}"
    if os.environ.get(RUN_ID_VARIABLE):
        return os.environ[RUN_ID_VARIABLE]
    return IDS.setdefault(os.getpid(), new_run_id())


def register_resolvers() -> None:
    if not OmegaConf.has_resolver("litlab.run_id"):
        OmegaConf.register_new_resolver("litlab.run_id", run_id)
