"""The end of a sweep: how many jobs failed, and where, with a non-zero exit if any did.

A job that fails inside a multirun writes its failed `summary.json` and returns (see
`litlab.outcome.run_task`), so the sweep goes on to the next job; this Hydra callback
(`hydra.callbacks.sweep_faults` in conf/hydra/default.yaml) reads the jobs' summaries once the
sweeper is done, so a script or CI sees a partly failed sweep. It runs in the process that
launched the sweep, whichever launcher ran the jobs.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from litlab.report.collect import NoRunsError, collect


class SweepFaults(Callback):
    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        folder = Path(config.hydra.sweep.dir)
        try:
            jobs = collect(folder)
        except NoRunsError:
            return
        # pruned trials stopped by design; interrupted ones a resumed search has run again
        failed = [j for j in jobs if j.status not in ("ok", "pruned", "interrupted")]
        if not failed:
            counts = Counter(j.status for j in jobs)
            if set(counts) == {"ok"}:
                ended = f"All {len(jobs)} jobs ok"
            else:
                ended = "No job failed (" + ", ".join(f"{n} {s}" for s, n in counts.items()) + ")"
            print(f"{ended}; `python report.py {folder}` tabulates them.")
            return
        lines = [f"  {j.path}: {j.status}: {j.error}" for j in failed]
        print(
            f"error: {len(failed)} of {len(jobs)} jobs failed in {folder}; the others finished "
            f"(`python report.py {folder}` tabulates them):",
            *lines,
            sep="\n",
            file=sys.stderr,
        )
        sys.exit(1)
