"""Early stopping as configured (callbacks/early_stopping.yaml): it reads the model's monitor
in the model's mode, waits `patience` epochs, stops at once on a non-finite value, and the run
then tests the best checkpoint by that monitor, not the last weights."""

from __future__ import annotations

import math
from pathlib import Path

import pytorch_lightning as pl
import torch

from litlab.builders import build_datamodule
from litlab.models.classifier import Classifier
from litlab.utils.checkpoints import load_model
from tests.conftest import compose_cfg, run_train

SHORT = ["~logger", "trainer.limit_train_batches=4", "trainer.limit_val_batches=2"]
SHORT += ["callbacks.lr_monitor=null"]
SHORT += [f"callbacks.{n}=null" for n in ("loss_curves", "confusion_matrix")]


class MonitorRecord(pl.Callback):
    """The monitored value at the end of every validation, as early stopping reads it."""

    last: MonitorRecord | None = None

    def __init__(self, monitor: str) -> None:
        self.monitor, self.values = monitor, []
        MonitorRecord.last = self

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not trainer.sanity_checking:
            self.values.append(float(trainer.callback_metrics[self.monitor]))


def expected_stop(values: list[float], mode: str, patience: int) -> int:
    """The epoch after which Lightning's EarlyStopping (min_delta 0) stops, by hand."""
    better = (lambda a, b: a < b) if mode == "min" else (lambda a, b: a > b)
    best, wait = None, 0
    for epoch, value in enumerate(values):
        if not math.isfinite(value):
            return epoch
        if best is None or better(value, best):
            best, wait = value, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch
    return len(values) - 1


def epoch_of(ckpt: str) -> int:
    return int(Path(ckpt).stem.split("_")[1])


def accuracy(ckpt: str | Path, cfg) -> float:
    model = load_model(ckpt, "cpu")
    dm = build_datamodule(cfg, stage="test")
    right = total = 0
    with torch.no_grad():
        for batch in dm.test_dataloader():
            x, y = dm.prepare_batch(batch)  # model-ready, as the trainer's test loop has it
            right += int((model(x).argmax(1) == y).sum())
            total += len(y)
    return right / total


def test_mode_against_the_monitors_direction_stops_after_patience_and_tests_the_best(tmp_path):
    # val/acc rises as the CNN learns; judged with mode=min, the first epoch stays the best
    overrides = [
        *SHORT,
        "trainer.max_epochs=8",
        "model.mode=min",
        "callbacks.early_stopping.patience=2",
        "+callbacks.record._target_=tests.test_early_stopping.MonitorRecord",
        "+callbacks.record.monitor=val/acc",
    ]
    summary = run_train(overrides, tmp_path)
    values = MonitorRecord.last.values
    stop = expected_stop(values, "min", patience=2)
    assert len(values) == stop + 1 < 8, values  # stopped early, exactly when patience ran out
    best = epoch_of(summary["best_checkpoint"])
    assert values[best] == min(values) and best == values.index(min(values)), (best, values)
    assert best != len(values) - 1  # the best is not the last epoch
    cfg = compose_cfg(overrides, tmp_path)
    tested = summary["metrics"]["test/acc"]
    assert math.isclose(tested, accuracy(summary["best_checkpoint"], cfg), abs_tol=1e-6)
    last = accuracy(tmp_path / "checkpoints" / "last.ckpt", cfg)
    assert last > tested, (last, tested)  # the last weights are better by acc, worse by mode


def test_a_non_finite_monitor_stops_the_run_at_that_epoch(tmp_path, monkeypatch):
    shared_step = Classifier.shared_step

    def infinite_from_epoch_2(self, batch):
        loss, preds, y = shared_step(self, batch)
        if not self.training and self.current_epoch >= 2 and not self.trainer.sanity_checking:
            loss = loss + float("inf")  # the validation loss only; training goes on
        return loss, preds, y

    monkeypatch.setattr(Classifier, "shared_step", infinite_from_epoch_2)
    overrides = [
        *SHORT,
        "trainer.max_epochs=6",
        "trainer.limit_test_batches=1",
        "model.monitor=val/loss",
        "model.mode=min",
        "+callbacks.record._target_=tests.test_early_stopping.MonitorRecord",
        "+callbacks.record.monitor=val/loss",
    ]
    summary = run_train(overrides, tmp_path)
    values = MonitorRecord.last.values
    assert len(values) == 3 and math.isinf(values[2]), values  # patience 10 never came into it
    assert summary["status"] == "ok"
    assert epoch_of(summary["best_checkpoint"]) == values.index(min(values[:2]))
