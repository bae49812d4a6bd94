"""Reports (`report.py DIR`) and faults in sweeps: a failed job is recorded, the sweep goes on
and exits 1, and the report shows every job."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from litlab.report.command import main
from litlab.utils.summary import write_summary
from tests.conftest import run_cli

TINY = ["trainer.max_epochs=1", "debug=limit", "trainer.limit_train_batches=3", "logger=null"]
TINY += ["callbacks.loss_curves=null", "callbacks.confusion_matrix=null"]  # no figures


def write_job(folder: Path, overrides: list[str], status: str = "ok", **metrics: float) -> Path:
    """A run folder as a real run leaves it: summary.json and .hydra/overrides.yaml."""
    (folder / ".hydra").mkdir(parents=True)
    (folder / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
    error = "the training loss became nan at epoch 0, step 2." if status == "failed" else None
    write_summary(folder, status, metrics=metrics, seconds=1.5, error=error, monitor="val/acc")
    return folder


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open() as f:
        return list(csv.DictReader(f))


def test_a_sweep_with_diverging_jobs_finishes_the_others_and_fails(tmp_path):
    # 1e20: the loss turns NaN at step 2 (a LitlabError: it used to end the sweep at once);
    # 1e300: float32 weights cannot take it (Adam's first step overflowed with a RuntimeError,
    # which used to end the sweep with a traceback; now the optimizer refuses it in a sentence)
    sweep = tmp_path / "sweep"
    lrs = "model.optimizer.lr=1e20,1e300,1e-3"
    result = run_cli("train.py", ["-m", lrs, *TINY, f"hydra.sweep.dir={sweep}"])
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert f"error: 2 of 3 jobs failed in {sweep}" in result.stderr
    summaries = [json.loads((sweep / str(i) / "summary.json").read_text()) for i in range(3)]
    assert [s["status"] for s in summaries] == ["failed", "failed", "ok"]
    assert "loss became nan" in summaries[0]["error"]
    assert summaries[1]["error"] == (
        "the learning rate 1e+300 is beyond what float32 weights can hold (at most 3.4e+38), "
        "so the first step would overflow; choose a smaller model.optimizer.lr."
    )
    assert summaries[2]["metrics"]["test/acc"] > 0.1  # ten classes: better than chance

    report = run_cli("report.py", [str(sweep)])
    assert report.returncode == 0, report.stderr
    rows = read_csv(sweep / "report.csv")
    assert [(r["model.optimizer.lr"], r["status"]) for r in rows] == [
        ("1e+20", "failed"),
        ("1e+300", "failed"),
        ("0.001", "ok"),
    ]
    assert "loss became nan" in rows[0]["reason"] and rows[0]["test/acc"] == ""
    assert float(rows[2]["test/acc"]) == pytest.approx(summaries[2]["metrics"]["test/acc"])
    assert float(rows[2]["val/acc_best"]) == pytest.approx(summaries[2]["metrics"]["val/acc_best"])
    assert "failed" in report.stdout and "overflow" in report.stdout
    assert (sweep / "figures" / "report_model.optimizer.lr.png").stat().st_size > 1000


def test_csv_has_one_row_per_job_and_a_column_per_swept_override(tmp_path, capsys):
    jobs = [("1e-3", "mlp"), ("1e-3", "cnn"), ("1e-2", "mlp"), ("1e-2", "cnn")]
    for i, (lr, net) in enumerate(jobs):
        overrides = [f"model.optimizer.lr={lr}", f"model/net={net}", "trainer.max_epochs=3"]
        write_job(tmp_path / str(i), overrides, **{"test/acc": 0.5 + i / 10, "val/acc": 0.4})
    assert main([str(tmp_path), f"out={tmp_path / 'out'}"]) == 0
    rows = read_csv(tmp_path / "out" / "report.csv")
    assert [(r["model.optimizer.lr"], r["model/net"]) for r in rows] == jobs
    assert "trainer.max_epochs" not in rows[0]  # the same in every job: not a parameter
    assert [float(r["test/acc"]) for r in rows] == pytest.approx([0.5, 0.6, 0.7, 0.8])
    assert [r["status"] for r in rows] == ["ok"] * 4
    markdown = (tmp_path / "out" / "report.md").read_text()
    assert "| model.optimizer.lr | model/net |" in markdown and markdown.count("| ok |") == 4
    assert "model/net" in capsys.readouterr().out
    figures = tmp_path / "out" / "figures"
    assert sorted(p.name for p in figures.iterdir()) == [
        "report_model.optimizer.lr.png",
        "report_model_net.png",
    ]


def test_mean_and_std_over_seeds_match_numpy(tmp_path):
    rng = np.random.default_rng(0)
    values = {lr: rng.uniform(0.5, 1.0, size=3) for lr in ("0.001", "0.01")}
    for lr, accs in values.items():
        for seed, acc in enumerate(accs):
            write_job(tmp_path / f"lr{lr}_s{seed}", [f"model.optimizer.lr={lr}", f"seed={seed}"],
                      **{"test/acc": float(acc)})  # fmt: skip
    # a failed job is counted apart and left out of the mean
    write_job(tmp_path / "lr0.01_s9", ["model.optimizer.lr=0.01", "seed=9"], status="failed")
    assert main([str(tmp_path)]) == 0
    groups = {r["model.optimizer.lr"]: r for r in read_csv(tmp_path / "report_groups.csv")}
    for lr, accs in values.items():
        assert float(groups[lr]["test/acc mean"]) == pytest.approx(np.mean(accs))
        assert float(groups[lr]["test/acc std"]) == pytest.approx(np.std(accs, ddof=1))
        assert groups[lr]["n"] == "3"
    assert [groups[lr]["failed"] for lr in values] == ["0", "1"]
    assert "± " in (tmp_path / "report.md").read_text()
    # seeds are repeats, not a parameter: only the learning rate gets a figure
    assert [p.name for p in (tmp_path / "figures").iterdir()] == ["report_model.optimizer.lr.png"]


def test_runs_are_found_at_any_depth_and_one_run_folder_reports_itself(tmp_path):
    write_job(tmp_path / "runs" / "a", ["seed=1"], **{"test/acc": 0.9})
    write_job(tmp_path / "multiruns" / "x" / "10", ["seed=2"], **{"test/acc": 0.8})
    write_job(tmp_path / "multiruns" / "x" / "9", ["seed=3"], **{"test/acc": 0.7})
    assert main([str(tmp_path)]) == 0
    names = [r["job"] for r in read_csv(tmp_path / "report.csv")]
    assert names == ["multiruns/x/9", "multiruns/x/10", "runs/a"]
    assert main([str(tmp_path / "runs" / "a")]) == 0
    (row,) = read_csv(tmp_path / "runs" / "a" / "report.csv")
    assert float(row["test/acc"]) == 0.9


def test_a_folder_with_no_run_gets_one_sentence(tmp_path, capsys):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    assert main([str(tmp_path / "empty")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "holds no run" in err
    assert not (tmp_path / "empty" / "report.csv").exists()
