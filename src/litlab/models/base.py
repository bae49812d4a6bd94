"""What every litlab LightningModule shares: building from a DataSpec, optimizers from config,
the model/data fit check, and best-so-far tracking of the monitored metric."""

from __future__ import annotations

import inspect
import logging
import warnings
from typing import Any, ClassVar

import hydra.utils
import pytorch_lightning as pl
import torch
from torch import nn
from torchmetrics import MaxMetric, MinMetric

from litlab.data.spec import DataSpec
from litlab.errors import ConfigError, IncompatibleError
from litlab.fits import ANY_INPUT, ANY_TARGET, fit_problem
from litlab.nets.factory import instantiate_net
from litlab.utils.config import plain

log = logging.getLogger(__name__)

SCHEDULER_KEYS = ("interval", "frequency", "monitor")
LENGTHS = ("T_max", "total_steps")  # schedule lengths filled from the run when left null


def check_learning_rate(lr: float, params: list[torch.Tensor]) -> None:
    """A rate the weights' float type cannot hold overflows in the first step (Adam: `value
    cannot be converted to type float without overflow`); say so before training."""
    for dtype in {p.dtype for p in params if p.is_floating_point()}:
        largest = torch.finfo(dtype).max
        if not abs(lr) < largest:
            raise ConfigError(
                f"the learning rate {lr:g} is beyond what {str(dtype).removeprefix('torch.')} "
                f"weights can hold (at most {largest:.3g}), so the first step would overflow; "
                "choose a smaller model.optimizer.lr."
            )


class LitModule(pl.LightningModule):
    """Base LightningModule.

    Subclasses declare which data they fit (`inputs`, `targets`) and are built from plain values
    only: the data `spec` as a dict and the `net`, `optimizer`, `scheduler` Hydra configs as
    dicts. Everything goes into `hparams`, so checkpoints load with `weights_only=True` and
    `Model.load_from_checkpoint(path)` rebuilds the nets.
    """

    # the kinds of data a family learns from; litlab.fits.MODELS copies them for the
    # command-line check before torch, and tests/test_fits.py holds the copy to these
    inputs: ClassVar[tuple[str, ...]] = ANY_INPUT
    targets: ClassVar[tuple[str, ...]] = ANY_TARGET

    def __init__(
        self,
        spec: dict[str, Any],
        optimizer: dict[str, Any],
        scheduler: dict[str, Any] | None = None,
        monitor: str = "val/loss",
        mode: str = "min",
    ) -> None:
        super().__init__()
        if mode not in ("min", "max"):
            raise ConfigError(f"model.mode must be 'min' or 'max', got {mode!r}")
        self.spec = DataSpec.from_dict(plain(spec))
        self.monitor = monitor
        self.mode = mode
        # best-so-far trackers by metric name, made on first use (`log_best`); not submodules,
        # so the weights are the model's alone, and `litlab_best` in a checkpoint keeps them
        self.best_so_far: dict[str, MaxMetric | MinMetric] = {}

    @classmethod
    def check_fits(cls, spec: DataSpec, model_name: str = "", data_name: str = "") -> None:
        """Raise IncompatibleError with one sentence when this model cannot learn from `spec`."""
        problem = fit_problem(
            (cls.inputs, cls.targets),
            (spec.input_kind, spec.target),
            model_name or cls.__name__,
            data_name or "this data",
        )
        if problem:
            raise IncompatibleError(problem)

    @classmethod
    def adapt_config(cls, cfg: Any) -> None:
        """Adjust the run's config (e.g. the trainer's strategy) to what this model needs,
        before anything is built; logs what it changes. Default: nothing."""

    def build_net(self, config: dict[str, Any], **shape: Any) -> nn.Module:
        """Instantiate a net config with the sizes the data dictates; nets that ask for them
        also get the input kind and the categorical vocabularies (see `instantiate_net`)."""
        facts = {"input_kind": self.spec.input_kind, "categories": list(self.spec.categories)}
        return instantiate_net(plain(config), **{**facts, **shape})

    # ------------------------------------------------------------------ optimisation
    def configure_optimizers(self) -> Any:
        # frozen parameters (a backbone before fine-tuning) join the optimizer when unfrozen
        trainable = [p for p in self.parameters() if p.requires_grad]
        optimizer = self.make_optimizer(self.hparams.optimizer, trainable)
        if not self.hparams.get("scheduler"):
            return optimizer
        return {"optimizer": optimizer, "lr_scheduler": self.make_scheduler(optimizer)}

    def make_optimizer(self, config: dict[str, Any], params: Any) -> torch.optim.Optimizer:
        optimizer = hydra.utils.instantiate(plain(config))(params=params)
        for group in optimizer.param_groups:
            check_learning_rate(float(group["lr"]), group["params"])
        return optimizer

    def make_scheduler(
        self, optimizer: torch.optim.Optimizer, config: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A Lightning scheduler dict. Lengths left null (`T_max`, `total_steps`) are filled
        with the run's number of epochs, or optimizer steps when `interval: step`; a null
        `max_lr` is the optimizer's rate (after the LR finder, its suggestion)."""
        config = dict(plain(config or self.hparams.scheduler))
        extras = {k: config.pop(k) for k in SCHEDULER_KEYS if k in config}
        interval = extras.get("interval", "epoch")
        factory = hydra.utils.instantiate(config)
        params = inspect.signature(factory.func).parameters
        for length in LENGTHS:
            if length in params and factory.keywords.get(length) is None:
                factory.keywords[length] = self.schedule_length(interval)
        if "max_lr" in params and factory.keywords.get("max_lr") is None:
            factory.keywords["max_lr"] = [group["lr"] for group in optimizer.param_groups]
        return {
            "scheduler": factory(optimizer=optimizer),
            "interval": interval,
            "frequency": extras.get("frequency", 1),
            "monitor": extras.get("monitor", self.monitor),
        }

    def schedule_length(self, interval: str) -> int:
        if interval == "step":
            return int(self.trainer.estimated_stepping_batches)
        if self.trainer.max_epochs is None or self.trainer.max_epochs < 0:
            raise ConfigError("an epoch-based scheduler needs trainer.max_epochs to be set.")
        return int(self.trainer.max_epochs)

    def fit_schedules_to_run(self) -> None:
        """After a resume, make each schedule as long as this run plans.

        Lightning restores a scheduler's state after `configure_optimizers`, length included.
        Resuming an interrupted run plans the same length, so nothing changes and the run
        continues exactly. Extending a finished run (`trainer.max_epochs` raised) plans a
        longer one: the schedule is then rebuilt for the new length, on purpose, at the step
        it had reached, and the log says so.
        """
        config = self.hparams.get("scheduler")
        for entry in self.trainer.lr_scheduler_configs if config else []:
            old = entry.scheduler
            length = next((n for n in LENGTHS if hasattr(old, n)), None)
            if length is None or plain(config).get(length) is not None:
                continue
            wanted = self.schedule_length(entry.interval)
            if getattr(old, length) == wanted:
                continue
            done = old.last_epoch
            # groups added after the schedule was built (an unfrozen backbone) keep their rule
            groups = old.optimizer.param_groups[: len(old.base_lrs)]
            for group, initial in zip(groups, old.base_lrs, strict=True):
                # the rate configure_optimizers gave it (one-cycle keeps that as max_lr)
                group["lr"] = group.get("max_lr", initial)
            with warnings.catch_warnings():  # stepping with no optimizer step is the point
                warnings.simplefilter("ignore", UserWarning)
                entry.scheduler = self.make_scheduler(old.optimizer, config)["scheduler"]
                for _ in range(done):
                    entry.scheduler.step()
            log.info(
                "Extending the run: the %s schedule is rebuilt for %s=%d (was %d), at step %d.",
                type(old).__name__,
                length,
                wanted,
                getattr(old, length),
                done,
            )

    def on_train_start(self) -> None:
        self.fit_schedules_to_run()
        self.best_so_far.clear()  # a fit before this one (the LR finder's) does not count

    def log_step_values(self, values: dict[str, torch.Tensor], prog_bar: bool = True) -> None:
        """Log each `name_step` value of this training step for the loggers, the progress bar
        and the callbacks; the epoch means accumulate apart (`metrics.running`)."""
        for name, value in values.items():
            self.log(name, value.detach(), on_step=True, on_epoch=False, prog_bar=prog_bar)

    # ------------------------------------------------------------------ best-so-far
    def log_best(self, name: str, value: torch.Tensor, mode: str | None = None) -> None:
        """Log `name_best`, the best value of `name` in this run's validations (a resumed run
        keeps the best it had; the sanity check before training does not count)."""
        if self.trainer.sanity_checking:
            return
        best = self.best_so_far.get(name)
        if best is None:
            kind = MaxMetric if (mode or self.mode) == "max" else MinMetric
            best = self.best_so_far[name] = kind(nan_strategy="ignore").to(self.device)
            resumed = getattr(self, "resumed_best", {}).get(name)
            if resumed is not None:
                best.update(resumed)
        best.update(value)
        self.log(f"{name}_best", best.compute(), sync_dist=True)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint["litlab_best"] = {
            name: float(next(iter(best.metric_state.values())))
            for name, best in self.best_so_far.items()
        }
        if getattr(self, "litlab_config", None):
            # the run's resolved config, so eval.py can rebuild the data with no other input,
            # and its overrides, so a resume composes the same config (litlab.resume)
            checkpoint["litlab_config"] = self.litlab_config
            checkpoint["litlab_overrides"] = list(getattr(self, "litlab_overrides", []))

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        self.resumed_best = dict(checkpoint.get("litlab_best", {}))
