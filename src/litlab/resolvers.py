"""OmegaConf resolvers that litlab's configs use.

`${litlab.run_id:}` names a run (or sweep) folder: the start time and a random token, so two runs
started in the same second never share a folder; on a SLURM batch job it is the job id instead,
so a preempted job that SLURM requeues comes back to its own folder and resumes there.

`${litlab.or:A,B}` is A unless A is null, then B (`oc.select` falls back only for a missing key,
not for a null one such as `hydra.runtime.choices.experiment` with no experiment).
"""

from __future__ import annotations

import os
import secrets
import time

from omegaconf import OmegaConf

STARTED = time.strftime("%Y-%m-%d_%H-%M-%S")
TOKEN = secrets.token_hex(3)
INTERACTIVE_SLURM_JOBS = ("bash", "interactive")  # salloc/srun shells, as Lightning reads them


def run_id() -> str:
    job = os.environ.get("SLURM_JOB_ID")
    if job and os.environ.get("SLURM_JOB_NAME", "bash") not in INTERACTIVE_SLURM_JOBS:
        array, task = os.environ.get("SLURM_ARRAY_JOB_ID"), os.environ.get("SLURM_ARRAY_TASK_ID")
        return f"slurm-{array}_{task}" if array and task else f"slurm-{job}"
    return f"{STARTED}_{TOKEN}"


def first_set(*values: object) -> object:
    return next((value for value in values if value is not None), None)


def register_resolvers() -> None:
    if not OmegaConf.has_resolver("litlab.run_id"):
        OmegaConf.register_new_resolver("litlab.run_id", run_id)
    if not OmegaConf.has_resolver("litlab.or"):
        OmegaConf.register_new_resolver("litlab.or", first_set)
