"""Loggers: TensorBoard, CSV and W&B, several at once (W&B sweeps: tests/test_wandb.py)."""

from __future__ import annotations

from litlab.utils.summary import read_summary
from tests.conftest import run_train

QUICK = ["debug=limit", "trainer.max_epochs=1"]


def test_several_loggers_at_once(tmp_path):
    run_train([*QUICK, "logger=many"], tmp_path)
    assert read_summary(tmp_path)["status"] == "ok"
    assert "val/acc" in (tmp_path / "csv" / "metrics.csv").read_text().splitlines()[0]
    assert list(tmp_path.glob("tensorboard/**/events.out.tfevents.*"))
    assert len(list(tmp_path.glob("wandb/offline-run-*"))) == 1
