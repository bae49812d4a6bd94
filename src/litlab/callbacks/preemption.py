"""SIGTERM and SIGUSR1, what clusters send before they stop a job: stop at the next batch,
save `last.ckpt` where training stood, and end the run as interrupted, not as a result.

Lightning already turns SIGTERM into a stop at the next batch boundary (`SIGTERMException`);
this callback makes SIGUSR1 do the same, saves the checkpoint when the stop arrives, and tells
the runner which signal it was and where the checkpoint is, so `summary.json` says
`"status": "interrupted"` and how to resume. On a SLURM batch job with Lightning's auto-requeue,
SIGUSR1 stays Lightning's: it saves `hpc_ckpt_<n>.ckpt` in the run folder and requeues the
job, which comes back to the same folder (`${litlab.run_id:}`) and resumes from it; this
callback then only marks the summary interrupted. A SIGTERM there (SLURM preempting the job, which
it may requeue) saves that same `hpc_ckpt_<n>.ckpt` instead of `last.ckpt`, so a requeued job
resumes from where it stood too.
"""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType
from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.plugins.environments import SLURMEnvironment
from pytorch_lightning.utilities.exceptions import SIGTERMException

from litlab.callbacks.base import LitCallback
from litlab.utils.summary import write_summary

SIGNALS = (signal.SIGTERM, signal.SIGUSR1)


class Preemption(LitCallback):
    def __init__(self, dirpath: str, filename: str = "last") -> None:
        self.path = Path(dirpath) / f"{filename}.ckpt"
        self.received: int | None = None
        self.previous: dict[int, Any] = {}
        self.trainer: pl.Trainer | None = None

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # Lightning installs its own handlers just before training starts; wrap them
        self.trainer = trainer
        for signum in SIGNALS:
            self.previous[signum] = signal.getsignal(signum)
            signal.signal(signum, self.handle)

    def requeues(self) -> bool:
        """Whether Lightning answers SIGUSR1 itself: on a SLURM batch job with auto-requeue it
        installs its handler, which saves `hpc_ckpt_<n>.ckpt` and requeues the job."""
        return callable(self.previous.get(signal.SIGUSR1))

    def handle(self, signum: int, frame: FrameType | None) -> None:
        self.received = signum
        previous = self.previous.get(signum)
        if signum == signal.SIGUSR1 and self.requeues():
            previous(signum, frame)
            write_summary(
                self.trainer.default_root_dir,
                "interrupted",
                error="SIGUSR1: saved hpc_ckpt and requeued; the job resumes in this folder",
            )
            return
        # Lightning's SIGTERM handler marks the trainer to stop at the next batch boundary
        stop = self.previous.get(signal.SIGTERM)
        if callable(stop):
            stop(signal.SIGTERM, frame)

    def checkpoint_path(self, trainer: pl.Trainer) -> Path:
        """`last.ckpt`, or on a SLURM job that Lightning requeues, the next `hpc_ckpt_<n>.ckpt`,
        which Lightning resumes from by itself when the job starts again in this folder."""
        if not (self.requeues() or SLURMEnvironment.detect()):
            return self.path
        folder = Path(trainer.default_root_dir)
        numbers = [int(p.stem.rpartition("_")[2]) for p in folder.glob("hpc_ckpt_*.ckpt")]
        return folder / f"hpc_ckpt_{max(numbers, default=0) + 1}.ckpt"

    def restore_handlers(self) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        self.previous = {}

    # before Lightning's teardown puts back the handlers it found (after on_fit_end, it would
    # be Lightning's own, left installed and holding the trainer for the rest of the process)
    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.restore_handlers()

    def on_exception(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException
    ) -> None:
        self.restore_handlers()
        if isinstance(exception, SIGTERMException):
            path = self.checkpoint_path(trainer)
            trainer.save_checkpoint(path)
            exception.signal = self.received or signal.SIGTERM
            exception.checkpoint = str(path)
