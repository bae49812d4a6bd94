"""The default experiment, end to end: digits, CNN, run folder contents."""

from __future__ import annotations

import json

import torch

from tests.conftest import run_cli


def test_default_training_reaches_95_percent_and_leaves_a_complete_run_folder(tmp_path):
    result = run_cli("train.py", [f"hydra.run.dir={tmp_path}"])
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "ok"
    assert summary["metrics"]["test/acc"] >= 0.95
    assert (tmp_path / "figures" / "confusion_matrix.png").stat().st_size > 1000
    assert (tmp_path / "figures" / "loss_curves.png").stat().st_size > 1000
    assert (tmp_path / ".hydra" / "config.yaml").is_file()
    assert (tmp_path / "csv" / "metrics.csv").is_file()
    checkpoint = torch.load(summary["best_checkpoint"], weights_only=True)
    assert checkpoint["hyper_parameters"]["spec"]["num_classes"] == 10
