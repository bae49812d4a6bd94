"""Loggers: TensorBoard, CSV and W&B, several at once (W&B sweeps: tests/test_wandb.py)."""

from __future__ import annotations

import pytest

from litlab.utils.summary import read_summary
from tests.conftest import run_train

QUICK = ["debug=limit", "trainer.max_epochs=1"]


def test_several_loggers_at_once(tmp_path):
    run_train([*QUICK, "logger=many"], tmp_path)
    assert read_summary(tmp_path)["status"] == "ok"
    assert "val/acc" in (tmp_path / "csv" / "metrics.csv").read_text().splitlines()[0]
    assert list(tmp_path.glob("tensorboard/**/events.out.tfevents.*"))
    assert len(list(tmp_path.glob("wandb/offline-run-*"))) == 1


def test_the_step_loss_is_logged_on_the_steps_the_logger_writes_and_the_epoch_mean_once(tmp_path):
    import pandas as pd

    run = ["debug=limit", "trainer.max_epochs=2", "trainer.log_every_n_steps=3"]  # 5 steps/epoch
    run_train(["data=digits", *run], tmp_path)
    metrics = pd.read_csv(tmp_path / "csv" / "metrics.csv")
    step_rows = metrics.dropna(subset=["train/loss_step"])
    assert list(step_rows["step"]) == [2, 5, 8]  # every third of 10 steps
    epoch_rows = metrics.dropna(subset=["train/loss"])
    assert list(epoch_rows["epoch"]) == [0, 1]
    assert "train/loss_epoch" not in metrics
    summary = read_summary(tmp_path)
    assert summary["metrics"]["train/loss"] == pytest.approx(epoch_rows["train/loss"].iloc[-1])
