"""Pruning for `hparams_search=optuna`: report the monitored metric to this job's trial at each
validation epoch, and stop the run when the study's pruner says the trial is unpromising.

The trial is found in the study's storage by its number, which is the job's number (the
sweeper names each job after its trial), so a job needs no more than its saved config to find
it. Optuna is imported only when a search builds this callback. The raised `optuna.TrialPruned`
carries the metrics so far; `litlab.outcome.run_task` records the run as `pruned`.
"""

from __future__ import annotations

import math
from typing import Any

import pytorch_lightning as pl
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode

from litlab.callbacks.base import LitCallback
from litlab.errors import ConfigError
from litlab.utils.summary import stage_metrics


class OptunaPruning(LitCallback):
    def __init__(
        self, storage: str, study_name: str, trial: int, pruner: Any, monitor: str
    ) -> None:
        if not (HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN):
            raise ConfigError(
                "hparams_search=optuna runs a search, which needs -m: "
                "python train.py -m hparams_search=optuna experiment=..."
            )
        import optuna
        from optuna.storages import get_storage
        from optuna.trial import Trial

        records = get_storage(storage)
        study = optuna.load_study(study_name=study_name, storage=records, pruner=pruner)
        study_id = records.get_study_id_from_name(study_name)
        self.trial = Trial(
            study, records.get_trial_id_from_study_id_trial_number(study_id, int(trial))
        )
        self.monitor = monitor

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.sanity_checking:
            return
        value = trainer.callback_metrics.get(self.monitor)
        if value is None:
            return
        value, epoch = float(value), trainer.current_epoch
        if not math.isfinite(value):
            return  # the finite-loss check or the job's own failure says why
        self.trial.report(value, step=epoch)
        if self.trial.should_prune():
            import optuna

            pruned = optuna.TrialPruned(
                f"pruned at epoch {epoch}: {self.monitor}={value:.4g} is worse than the "
                "pruner's threshold for that epoch"
            )
            pruned.metrics = stage_metrics(dict(trainer.callback_metrics))
            pruned.monitor = self.monitor
            raise pruned
