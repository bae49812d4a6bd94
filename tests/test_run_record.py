"""The run folder records what actually ran, in a folder of its own, with or without loggers."""

from __future__ import annotations

import subprocess
from importlib import metadata

import pandas as pd
import pytest
import torch
import yaml

from litlab.utils.summary import read_summary
from tests.conftest import REPO, run_cli, run_train, start_cli

FDR = ["debug=fdr"]


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()


def test_the_summary_records_config_overrides_seed_versions_and_commit(tmp_path):
    overrides = [*FDR, "seed=7", "model.label_smoothing=0.1"]
    result = run_cli("train.py", [*overrides, f"hydra.run.dir={tmp_path}"])
    assert result.returncode == 0, result.stderr[-2000:]
    summary = read_summary(tmp_path)
    assert summary["seed"] == 7
    assert set(overrides) <= set(summary["overrides"])
    assert summary["config"]["model"]["_target_"] == "litlab.models.Classifier"
    assert summary["config"]["model"]["label_smoothing"] == 0.1
    assert summary["config"]["seed"] == 7
    assert summary["versions"]["torch"] == metadata.version("torch")
    assert summary["git"]["commit"] == git("rev-parse", "HEAD")
    assert summary["git"]["dirty"] == bool(git("status", "--porcelain", "--untracked-files=no"))


def write_prices(path) -> None:
    rows = range(120)
    pd.DataFrame(
        {"rooms": [1 + i % 5 for i in rows], "price": [100.5 + 37.25 * (i % 5) for i in rows]}
    ).to_csv(path, index=False)


@pytest.mark.parametrize(
    "data",
    [
        ["data=diabetes"],
        ["data=tabular", "data.path={csv}", "data.target=price"],
        ["data=sunspots"],
    ],
    ids=["diabetes", "csv-table", "series"],
)
def test_the_saved_config_names_the_model_that_trained(tmp_path, data):
    write_prices(tmp_path / "prices.csv")
    data = [d.format(csv=tmp_path / "prices.csv") for d in data]
    result = run_cli("train.py", [*FDR, *data, f"hydra.run.dir={tmp_path / 'run'}"])
    assert result.returncode == 0, result.stderr[-2000:]
    saved = yaml.safe_load((tmp_path / "run" / ".hydra" / "config.yaml").read_text())
    summary = read_summary(tmp_path / "run")
    expected = "Forecaster" if "sunspots" in data[0] else "Regressor"
    assert saved["model"]["_target_"] == f"litlab.models.{expected}"
    assert summary["config"]["model"]["_target_"] == f"litlab.models.{expected}"


def test_two_runs_started_together_get_a_folder_each(tmp_path):
    processes = [start_cli("train.py", [*FDR, f"paths.log_dir={tmp_path}"]) for _ in range(2)]
    for process in processes:
        assert process.wait(timeout=600) == 0, process.output()[1][-2000:]
    folders = sorted((tmp_path / "train" / "runs").iterdir())
    assert len(folders) == 2
    assert all(read_summary(folder)["status"] == "ok" for folder in folders)


def test_logger_null_trains_with_no_logger(tmp_path):
    result = run_cli("train.py", [*FDR, "logger=null", f"hydra.run.dir={tmp_path}"])
    assert result.returncode == 0, result.stderr[-2000:]
    assert read_summary(tmp_path)["status"] == "ok"
    assert not (tmp_path / "csv").exists()
    assert "logger" not in yaml.safe_load((tmp_path / ".hydra" / "config.yaml").read_text())


def test_a_config_value_that_cannot_resolve_gets_one_sentence(tmp_path):
    result = run_cli(
        "train.py", [*FDR, "model.optimizer.lr=${no.such.key}", f"hydra.run.dir={tmp_path}"]
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr[-2000:]
    assert "no.such.key" in errors[0]
    summary = read_summary(tmp_path)
    assert summary["status"] == "failed" and "no.such.key" in summary["error"]


def test_the_lr_finder_suggestion_is_the_one_cycle_peak(tmp_path):
    result = run_train(
        ["lr_finder.enabled=true", "model/scheduler=onecycle", "trainer.max_epochs=1"], tmp_path
    )
    suggestion = result["lr_suggestion"]
    assert suggestion is not None and suggestion != pytest.approx(1e-3)
    state = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)
    assert state["optimizer_states"][0]["param_groups"][0]["max_lr"] == pytest.approx(suggestion)
