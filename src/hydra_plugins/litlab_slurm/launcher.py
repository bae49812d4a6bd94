"""`launcher=slurm`: a sweep's jobs as one SLURM job array, through Hydra's submitit launcher.

Hydra's launcher lets a refused submission through as submitit's traceback, with sbatch's
reason somewhere inside it. This one ends the sweep with one sentence that names the
`hydra.launcher` option to change, and exit code 1, as litlab does for any mistake in the
command line (docs/cluster.md).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Sequence

from hydra.core.utils import JobReturn
from hydra_plugins.hydra_submitit_launcher.submitit_launcher import (
    SlurmLauncher as SubmititSlurmLauncher,
)

# what sbatch says when it refuses a job, and the option that asked for it
REFUSALS = (
    (
        r"generic resource|gres",
        "gpus_per_node",
        "the nodes have no such GPUs (gres); on CPU "
        "nodes use launcher=slurm_cpu, else ask for fewer",
    ),
    (
        r"account",
        "account",
        "the account is unknown or may not use that partition "
        "(`sacctmgr show associations user=$USER`)",
    ),
    (r"partition", "partition", "the cluster has no such partition for you (`sinfo` lists them)"),
    (r"qos", "qos", "the quality of service is unknown or not yours"),
    (r"time limit", "timeout_min", "the time limit exceeds the partition's (`sinfo -o '%P %l'`)"),
    (r"memory", "mem_gb", "no node has that much memory (`sinfo -o '%P %m'`, in MB)"),
    (
        r"node configuration|processors|cpu count|cpus",
        "cpus_per_task",
        "no node has the CPUs (or memory) "
        "asked per node: cpus_per_task x tasks_per_node, mem_gb (`sinfo -o '%P %c %m'`)",
    ),
)


def sbatch_error(text: str) -> str:
    """The one sentence for sbatch's refusal `text` (its stderr)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    said = next((line for line in lines if "error" in line.lower()), lines[-1] if lines else "")
    reason = re.sub(r"^(sbatch: )?error: ", "", said, flags=re.IGNORECASE).rstrip(".")
    for pattern, option, hint in REFUSALS:
        if re.search(pattern, reason, flags=re.IGNORECASE):
            return (
                f"sbatch refused the jobs ({reason}): set hydra.launcher.{option}; {hint} "
                "(docs/cluster.md)."
            )
    return (
        f"sbatch refused the jobs ({reason or 'no reason given'}): check the hydra.launcher "
        "options (docs/cluster.md)."
    )


class SlurmLauncher(SubmititSlurmLauncher):
    """Hydra's submitit SLURM launcher; a refused or impossible submission is one sentence."""

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        from submitit.core.utils import FailedJobError

        try:
            return super().launch(job_overrides, initial_job_idx)
        except FileNotFoundError as exc:
            if exc.filename != "sbatch":
                raise
            reason = "sbatch is not on PATH: launcher=slurm submits from a SLURM login node"
        except FailedJobError as exc:
            if not isinstance(exc.__cause__, subprocess.CalledProcessError):
                raise  # not sbatch's refusal: a job that failed or was killed
            reason = sbatch_error(str(exc))
        print(f"error: {reason}", file=sys.stderr)
        sys.exit(1)
