"""A callback that records what the trainer really did, for tests to check an option's effect.

Add it to a run with `+callbacks.probe._target_=tests.probes.Probe`; the last one built is
`Probe.last`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytorch_lightning as pl
import torch
from pytorch_lightning.profilers import PassThroughProfiler


def grad_norm(module: torch.nn.Module, norm_type: float = 2.0) -> float:
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    return float(torch.nn.utils.get_total_norm(grads, norm_type=norm_type))


class Probe(pl.Callback):
    """Per optimizer step: the gradient norm before clipping (Lightning clips right after
    `on_before_optimizer_step`), and the gradient the step used (still in `.grad` when the
    batch ends); per batch: the global step and the progress bar's step loss; once:
    determinism, and each layer's output dtype."""

    last: Probe | None = None

    def __init__(self) -> None:
        self.before_clip: list[float] = []
        self.max_before_clip: list[float] = []
        self.stepped: list[float] = []
        self.max_stepped: list[float] = []
        self.global_steps: list[int] = []
        self.bar_step_loss: list[float | None] = []
        self.deterministic: bool | None = None
        self.output_dtypes: set[torch.dtype] = set()
        self._hooks: list[Any] = []
        Probe.last = self

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.deterministic = torch.are_deterministic_algorithms_enabled()
        for layer in pl_module.modules():
            if isinstance(layer, torch.nn.Linear | torch.nn.Conv2d):
                self._hooks.append(layer.register_forward_hook(self._record_dtype))

    def _record_dtype(self, module: Any, inputs: Any, output: torch.Tensor) -> None:
        if module.training:
            self.output_dtypes.add(output.dtype)

    def on_before_optimizer_step(self, trainer, pl_module, optimizer) -> None:
        self.before_clip.append(grad_norm(pl_module))
        self.max_before_clip.append(grad_norm(pl_module, float("inf")))

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.global_step > (self.global_steps or [0])[-1]:  # this batch ended a step
            self.stepped.append(grad_norm(pl_module))
            self.max_stepped.append(grad_norm(pl_module, float("inf")))
        self.global_steps.append(trainer.global_step)
        self.bar_step_loss.append(trainer.progress_bar_metrics.get("train/loss_step"))

    def on_train_end(self, trainer, pl_module) -> None:
        for hook in self._hooks:
            hook.remove()


class SigtermAtJob(pl.Callback):
    """Sends this process SIGTERM in the first training batch of sweep job `job`, as a
    cluster or a user would stop a search part-way; other jobs train as usual."""

    def __init__(self, job: int) -> None:
        self.job = job

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        import os
        import signal

        from hydra.core.hydra_config import HydraConfig

        if batch_idx == 0 and HydraConfig.get().job.num == self.job:
            os.kill(os.getpid(), signal.SIGTERM)


class HookCalls(PassThroughProfiler):
    """A profiler that counts what Lightning profiles, each callback hook call included
    (`[Callback]<state key>.<hook>`); the last one built is `HookCalls.last`."""

    last: HookCalls | None = None

    def __init__(self) -> None:
        super().__init__()
        self.calls: Counter[str] = Counter()
        HookCalls.last = self

    def start(self, action_name: str) -> None:
        self.calls[action_name] += 1
