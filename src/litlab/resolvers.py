"""OmegaConf resolvers that litlab's configs use.

`${litlab.run_id:}` names a run (or sweep) folder: the start time and a random token, so two runs
started in the same second never share a folder; on a SLURM batch job it is the job id instead,
so a preempted job that SLURM requeues comes back to its own folder and resumes there. It is
resolved once per sweep: Hydra copies resolved values into every job's config, so the jobs of
a sweep that run in other processes (joblib workers, SLURM array tasks) share its folder. The
id is drawn on first use in each process, not at import, so a process forked from one that
imported litlab (the tests' command server) gets its own.

`${litlab.strategy:nodes,devices}` is the Trainer strategy for that many nodes and devices per
node: `ddp` when there is more than one device in all, else `auto`.

`${litlab.or:A,B}` is A unless A is null, then B (`oc.select` falls back only for a missing key,
not for a null one such as `hydra.runtime.choices.experiment` with no experiment).
"""

from __future__ import annotations

import math
import os
import secrets
import time

from omegaconf import OmegaConf

IDS: dict[int, str] = {}  # by process id
INTERACTIVE_SLURM_JOBS = ("bash", "interactive")  # salloc/srun shells, as Lightning reads them


def run_id() -> str:
    job = os.environ.get("SLURM_JOB_ID")
    if job and os.environ.get("SLURM_JOB_NAME", "bash") not in INTERACTIVE_SLURM_JOBS:
        array, task = os.environ.get("SLURM_ARRAY_JOB_ID"), os.environ.get("SLURM_ARRAY_TASK_ID")
        return f"slurm-{array}_{task}" if array and task else f"slurm-{job}"
    if os.getpid() not in IDS:
        IDS[os.getpid()] = f"{time.strftime('%Y-%m-%d_%H-%M-%S')}_{secrets.token_hex(3)}"
    return IDS[os.getpid()]


def strategy(*counts: int) -> str:
    return "ddp" if math.prod(int(count) for count in counts) > 1 else "auto"


def first_set(*values: object) -> object:
    return next((value for value in values if value is not None), None)


def register_resolvers() -> None:
    if not OmegaConf.has_resolver("litlab.run_id"):
        # cached: the value lives in the config, which Hydra hands to each job of a sweep
        OmegaConf.register_new_resolver("litlab.run_id", run_id, use_cache=True)
    if not OmegaConf.has_resolver("litlab.strategy"):
        OmegaConf.register_new_resolver("litlab.strategy", strategy)
    if not OmegaConf.has_resolver("litlab.or"):
        OmegaConf.register_new_resolver("litlab.or", first_set)
