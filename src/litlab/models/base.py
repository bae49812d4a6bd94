"""What every litlab LightningModule shares: building from a DataSpec, optimizers from config,
the model/data fit check, and best-so-far tracking of the monitored metric."""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import hydra.utils
import pytorch_lightning as pl
import torch
from torch import nn

from litlab.data.spec import INPUT_WORDS, TARGET_WORDS, DataSpec
from litlab.errors import ConfigError, IncompatibleError
from litlab.nets.factory import instantiate_net
from litlab.utils.config import plain

SCHEDULER_KEYS = ("interval", "frequency", "monitor")


class LitModule(pl.LightningModule):
    """Base LightningModule.

    Subclasses declare which data they fit (`inputs`, `targets`) and are built from plain values
    only: the data `spec` as a dict and the `net`, `optimizer`, `scheduler` Hydra configs as
    dicts. Everything goes into `hparams`, so checkpoints load with `weights_only=True` and
    `Model.load_from_checkpoint(path)` rebuilds the nets.
    """

    inputs: ClassVar[tuple[str, ...]] = ("image", "table", "sequence")
    targets: ClassVar[tuple[str, ...]] = ("class", "value", "boxes", "none")

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

    @classmethod
    def check_fits(cls, spec: DataSpec, model_name: str = "", data_name: str = "") -> None:
        """Raise IncompatibleError with one sentence when this model cannot learn from `spec`."""
        model = f"model={model_name or cls.__name__}"
        data = f"data={data_name or 'this data'}"
        if spec.input_kind not in cls.inputs:
            wants = " or ".join(INPUT_WORDS[k] for k in cls.inputs)
            raise IncompatibleError(
                f"{model} needs {wants}; {data} gives {INPUT_WORDS[spec.input_kind]}."
            )
        if spec.target not in cls.targets:
            wants = " or ".join(TARGET_WORDS[k] for k in cls.targets)
            raise IncompatibleError(f"{model} needs {wants}; {data} gives {spec.describe()}.")

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
        optimizer = self.make_optimizer(self.hparams.optimizer, self.parameters())
        if not self.hparams.get("scheduler"):
            return optimizer
        return {"optimizer": optimizer, "lr_scheduler": self.make_scheduler(optimizer)}

    def make_optimizer(self, config: dict[str, Any], params: Any) -> torch.optim.Optimizer:
        return hydra.utils.instantiate(plain(config))(params=params)

    def make_scheduler(
        self, optimizer: torch.optim.Optimizer, config: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A Lightning scheduler dict. Lengths left null (`T_max`, `total_steps`) are filled
        with the run's number of epochs, or optimizer steps when `interval: step`."""
        config = dict(plain(config or self.hparams.scheduler))
        extras = {k: config.pop(k) for k in SCHEDULER_KEYS if k in config}
        interval = extras.get("interval", "epoch")
        factory = hydra.utils.instantiate(config)
        params = inspect.signature(factory.func).parameters
        for length in ("T_max", "total_steps"):
            if length in params and factory.keywords.get(length) is None:
                factory.keywords[length] = self.schedule_length(interval)
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

    # ------------------------------------------------------------------ best-so-far
    def on_train_start(self) -> None:
        # sanity-check batches do not count; a resumed run keeps the best it had
        self._best: dict[str, float] = dict(getattr(self, "_resumed_best", {}))

    def log_best(self, name: str, value: torch.Tensor, mode: str | None = None) -> None:
        """Log `name_best`, the best value of `name` seen so far in this fit."""
        best = getattr(self, "_best", {})
        value = float(value)
        better = max if (mode or self.mode) == "max" else min
        best[name] = better(best.get(name, value), value)
        self._best = best
        self.log(f"{name}_best", best[name], sync_dist=True)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint["litlab_best"] = dict(getattr(self, "_best", {}))
        if getattr(self, "litlab_config", None):
            # the run's resolved config, so eval.py can rebuild the data with no other input
            checkpoint["litlab_config"] = self.litlab_config

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        self._resumed_best = dict(checkpoint.get("litlab_best", {}))
