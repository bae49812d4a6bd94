"""Loggers: W&B with no account and no network, TensorBoard and CSV, several at once."""

from __future__ import annotations

import os

from litlab.utils.summary import read_summary
from tests.conftest import run_cli, run_train

QUICK = ["debug=limit", "trainer.max_epochs=1"]


def test_wandb_runs_offline_with_no_account_one_run_per_job(tmp_path):
    """A multirun of two jobs: two offline W&B runs, each with its config, metrics and the
    confusion matrix as media; nothing needs a login or the network."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_MODE")}
    env["HOME"] = str(tmp_path / "home")  # no ~/.netrc, so not logged in
    result = run_cli(
        "train.py",
        ["-m", "logger=wandb", "seed=1,2", *QUICK, f"hydra.sweep.dir={tmp_path / 'sweep'}"],
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for job in ("0", "1"):
        folder = tmp_path / "sweep" / job
        assert read_summary(folder)["status"] == "ok"
        (run,) = (folder / "wandb").glob("offline-run-*")
        (history,) = run.glob("run-*.wandb")  # config and metrics, uploaded by `wandb sync`
        records = history.read_bytes()
        assert b"litlab.models.Classifier" in records and b"test/acc" in records
        assert list(run.glob("files/media/images/figures/confusion_matrix_*.png"))


def test_several_loggers_at_once(tmp_path):
    run_train([*QUICK, "logger=many"], tmp_path)
    assert read_summary(tmp_path)["status"] == "ok"
    assert "val/acc" in (tmp_path / "csv" / "metrics.csv").read_text().splitlines()[0]
    assert list(tmp_path.glob("tensorboard/**/events.out.tfevents.*"))
    assert len(list(tmp_path.glob("wandb/offline-run-*"))) == 1
