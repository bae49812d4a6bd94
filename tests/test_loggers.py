"""Loggers: TensorBoard, CSV and W&B, several at once (W&B sweeps: tests/test_wandb.py)."""

from __future__ import annotations

import pytest

from litlab.utils.summary import read_summary
from tests.conftest import run_train
from tests.probes import Probe

QUICK = ["debug=limit", "trainer.max_epochs=1"]
PROBE = "+callbacks.probe._target_=tests.probes.Probe"


def test_several_loggers_at_once(tmp_path):
    run_train([*QUICK, "logger=many"], tmp_path)
    assert read_summary(tmp_path)["status"] == "ok"
    assert "val/acc" in (tmp_path / "csv" / "metrics.csv").read_text().splitlines()[0]
    assert list(tmp_path.glob("tensorboard/**/events.out.tfevents.*"))
    assert len(list(tmp_path.glob("wandb/offline-run-*"))) == 1


def test_the_step_loss_is_logged_on_the_steps_the_logger_writes_and_the_epoch_mean_once(tmp_path):
    import pandas as pd

    run = ["debug=limit", "trainer.max_epochs=2", "trainer.log_every_n_steps=3"]  # 5 steps/epoch
    run_train(["data=digits", *run, PROBE], tmp_path)
    metrics = pd.read_csv(tmp_path / "csv" / "metrics.csv")
    step_rows = metrics.dropna(subset=["train/loss_step"])
    assert list(step_rows["step"]) == [2, 5, 8]  # every third of 10 steps
    assert list(step_rows["epoch"]) == [0, 1, 1]
    # the progress bar shows each step's own value, as a number; the written ones among them
    bar = Probe.last.bar_step_loss
    assert len(bar) == 10 and all(isinstance(v, float) for v in bar)
    assert len(set(bar)) == 10  # a new value every step, not the last written one kept
    written = dict(zip(step_rows["step"], step_rows["train/loss_step"], strict=True))
    assert [bar[s] for s in written] == pytest.approx(list(written.values()))
    epoch_rows = metrics.dropna(subset=["train/loss"])
    assert list(epoch_rows["epoch"]) == [0, 1]
    assert "train/loss_epoch" not in metrics
    summary = read_summary(tmp_path)
    assert summary["metrics"]["train/loss"] == pytest.approx(epoch_rows["train/loss"].iloc[-1])


def test_with_accumulated_batches_the_step_loss_is_written_once_per_optimizer_step(tmp_path):
    import pandas as pd

    # 5 batches an epoch, two per optimizer step: 3 steps an epoch (the last batch steps alone)
    run = ["debug=limit", "trainer.max_epochs=2", "trainer.accumulate_grad_batches=2"]
    run_train(["data=digits", *run, "trainer.log_every_n_steps=2"], tmp_path)
    metrics = pd.read_csv(tmp_path / "csv" / "metrics.csv")
    step_rows = metrics.dropna(subset=["train/loss_step"])
    assert list(step_rows["step"]) == [1, 3, 5]
    assert list(step_rows["epoch"]) == [0, 1, 1]
