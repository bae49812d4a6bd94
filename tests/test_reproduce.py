"""`reproduce.py RUN_DIR`: a finished run re-runs from its record to the same digits (exit 0);
a record edited by hand, or a metric beyond the tolerance, is reported with exit 1; a folder
that is not a run gets one sentence."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from litlab.report.collect import collect
from litlab.report.reproduce import hydra_overrides, main, metric_rows
from litlab.utils.summary import write_summary
from tests.conftest import REPO, run_cli

TINY = ["data=wine", "trainer.max_epochs=2", "logger=null", "baselines=false"]
TINY += ["callbacks.loss_curves=null", "callbacks.confusion_matrix=null"]


def train_run(folder: Path, *args: str) -> dict:
    result = run_cli("train.py", [*args, *TINY, "model.optimizer.lr=0.003"])
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads((folder / "summary.json").read_text())


def test_a_sweep_job_reproduces_to_the_digit_and_exits_0(tmp_path, capsys):
    sweep = tmp_path / "sweep"
    recorded = train_run(sweep / "0", "-m", "seed=7", f"hydra.sweep.dir={sweep}")
    assert main([str(sweep / "0")]) == 0
    out = capsys.readouterr().out
    new = sweep / "0_reproduce_1"
    now = json.loads((new / "summary.json").read_text())
    assert now["status"] == "ok" and now["reproduces"] == str((sweep / "0").resolve())
    assert now["metrics"] == recorded["metrics"]  # every metric, to the last digit
    assert now["config"]["model"]["optimizer"]["lr"] == 0.003 and now["seed"] == 7
    assert "reproduced: every metric within 0 of the record" in out
    assert "config differs" not in out
    # the re-run repeats the job: the sweep's report still has one job
    assert [j.name for j in collect(sweep)] == ["0"]
    # a second reproduction goes to a new folder
    assert main([str(sweep / "0"), "--tolerance", "1e-9"]) == 0
    assert (sweep / "0_reproduce_2" / "summary.json").is_file()


@pytest.mark.parametrize("where", ["summary.json", ".hydra/config.yaml"])
def test_a_hand_edited_config_is_reported_and_exits_1(tmp_path, capsys, where):
    run = tmp_path / "run"
    train_run(run, f"hydra.run.dir={run}")
    if where == "summary.json":
        summary = json.loads((run / "summary.json").read_text())
        summary["config"]["model"]["optimizer"]["lr"] = 0.002
        (run / "summary.json").write_text(json.dumps(summary))
    else:
        config = yaml.safe_load((run / ".hydra" / "config.yaml").read_text())
        config["model"]["optimizer"]["lr"] = 0.002
        (run / ".hydra" / "config.yaml").write_text(yaml.safe_dump(config))
    assert main([str(run), "--out", str(tmp_path / "again")]) == 1
    out = capsys.readouterr().out
    assert (
        f"config differs from the record: model.optimizer.lr recorded 0.002, re-run 0.003 "
        f"({where})" in out
    )
    assert out.count("config differs from the record:") == 1  # the run folder's paths aside
    assert "not reproduced: the config differs from the record in 1 key" in out


def test_a_metric_beyond_the_tolerance_exits_1(tmp_path, capsys):
    run = tmp_path / "run"
    summary = train_run(run, f"hydra.run.dir={run}")
    summary["metrics"]["test/loss"] += 0.01
    (run / "summary.json").write_text(json.dumps(summary))
    assert main([str(run), "--tolerance", "0.001"]) == 1
    out = capsys.readouterr().out
    assert "not reproduced: 1 metric beyond the tolerance 0.001: test/loss." in out
    rows = {r[0]: r for r in metric_rows({"metrics": {"a": 1.0}}, {"metrics": {"a": 1.05}}, 0.1)}
    assert rows["a"][-1] is False
    rows = {r[0]: r for r in metric_rows({"metrics": {"a": 1.0}}, {"metrics": {"a": 1.05}}, 0.0)}
    assert rows["a"][-1] is True and rows["a"][3] == "+0.05"


def test_a_folder_that_is_not_a_run_gets_one_sentence(tmp_path):
    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "missing", tmp_path / "empty"):
        result = subprocess.run(
            [sys.executable, "reproduce.py", str(folder)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 1
        assert result.stderr.startswith(f"error: {folder} ") and result.stderr.count("\n") == 1
        assert "give the folder of one run" in result.stderr
    assert not list((tmp_path / "empty").iterdir())


def test_cross_validation_and_resumed_runs_are_refused_in_a_sentence(tmp_path, capsys):
    cv = {"cv": {"folds": 5, "bootstrap": None, "fold": None}, "ckpt_path": None}
    write_summary(tmp_path / "cv", "ok", overrides=["cv.folds=5"], config=cv)
    resumed = {"cv": {}, "ckpt_path": "runs/a/checkpoints/last.ckpt"}
    write_summary(tmp_path / "resumed", "ok", overrides=[], config=resumed)
    assert main([str(tmp_path / "cv")]) == 1
    assert "is a cross-validation run or fold, which reproduce does not re-run" in (
        capsys.readouterr().err
    )
    assert main([str(tmp_path / "resumed")]) == 1
    assert "started from a checkpoint" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cv", "resumed"]  # nothing re-ran


def test_the_hydra_overrides_that_shape_the_config_go_with_the_re_run(tmp_path):
    (tmp_path / ".hydra").mkdir()
    recorded = ["hydra.searchpath=[file://my_conf]", "hydra.sweep.dir=x", "hydra.mode=MULTIRUN"]
    hydra = {"hydra": {"overrides": {"hydra": recorded, "task": ["seed=1"]}}}
    (tmp_path / ".hydra" / "hydra.yaml").write_text(yaml.safe_dump(hydra))
    assert hydra_overrides(tmp_path) == ["hydra.searchpath=[file://my_conf]"]
    assert hydra_overrides(tmp_path / "elsewhere") == []
