"""The speed benchmark still runs end to end (its speed targets live in docs/bench.md, not here)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SHARED_DATA

TINY = ("--epochs=1", "--warmup=0", "--repeats=1")  # say nothing about speed; check it runs


def assert_rows(rows_file: Path, benches: list[str]) -> None:
    """The --json rows: cpu then wall per bench, positive medians, ratio = litlab / loop."""
    rows = [json.loads(line) for line in rows_file.read_text().splitlines()]
    expected = [(b, f"{clock} s/epoch") for b in benches for clock in ("cpu", "wall")]
    assert [(r["bench"], r["measure"]) for r in rows] == expected
    for row in rows:
        assert row["ratio"] > 0 and row["litlab"] > 0 and row["reference"] > 0, row
        assert row["ratio"] == pytest.approx(row["litlab"] / row["reference"])
        low, high = row["per_repeat"]  # the paired ratios' range holds the median repeat's
        assert low <= row["ratio"] <= high, row
        # the MLP against a hand-written loop is for information (its target is step/mlp's)
        target = None if row["bench"] == "mnist/mlp" else 1.10
        assert row["reference_name"] == "hand-written loop" and row["target"] == target


def run_bench(script: str, *args: str, timeout: int = 120) -> str:
    """Run `bench/<script> <args>` from the repo root on the shared MNIST (random digits, with
    a loud note, when it is absent); its stdout, after checking that it succeeded."""
    result = subprocess.run(
        [sys.executable, f"bench/{script}", *args, f"--data-dir={SHARED_DATA}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def assert_timings(stdout: str, name: str) -> None:
    """Both sides' medians and the ratio, for both clocks."""
    number = r"\d+\.\d{3}"
    for clock in ("wall", "cpu"):
        for side in ("litlab", "loop  "):
            assert re.search(rf"^{name} {clock} {side} : {number} s", stdout, re.M), stdout
        ratio = re.search(rf"^{name} {clock} ratio litlab/loop: ({number})", stdout, re.M)
        assert ratio and float(ratio.group(1)) > 0, stdout


def assert_same_steps(stdout: str, name: str, steps: int) -> None:
    """The same number of optimizer steps on both sides, from the same initial weights."""
    line = rf"^{name} steps per run: litlab \[{steps}\], loop \[{steps}\]; identical initial"
    assert re.search(line, stdout, re.M), stdout


def test_bench_script_prints_both_timings_and_the_ratio_for_both_nets(tmp_path):
    rows_file = tmp_path / "rows.jsonl"
    stdout = run_bench("bench_mnist.py", *TINY, "--limit-batches=1", f"--json={rows_file}")
    for net in ("cnn", "mlp"):
        assert_timings(stdout, net)
    assert_rows(rows_file, ["mnist/cnn", "mnist/mlp"])


def test_detector_bench_prints_both_timings_and_the_ratio_after_the_same_steps(tmp_path):
    rows_file = tmp_path / "rows.jsonl"
    stdout = run_bench(
        "bench_detector.py", *TINY, "--limit-batches=2", "--canvases=64", f"--json={rows_file}"
    )
    assert_timings(stdout, "detector")
    assert_same_steps(stdout, "detector", 2)
    assert_rows(rows_file, ["detector"])


def test_generative_bench_prints_timings_ratios_and_json_rows_for_vae_and_gan(tmp_path):
    rows_file = tmp_path / "rows.jsonl"
    stdout = run_bench("bench_generative.py", *TINY, "--limit-batches=2", f"--json={rows_file}")
    for model in ("vae", "gan"):
        assert_timings(stdout, model)
        assert_same_steps(stdout, model, 2)
    assert_rows(rows_file, ["vae", "gan"])


def test_the_suite_table_marks_each_row_against_its_target_in_its_direction():
    sys.path.insert(0, str(REPO / "bench"))
    from run_all import table

    def row(bench: str, measure: str, ratio: float, target: float | None, **more) -> dict:
        return {
            "bench": bench,
            "measure": measure,
            "litlab": ratio,
            "reference": 1.0,
            "reference_name": "ref",
            "ratio": ratio,
            "target": target,
            **more,
        }

    lines = table(
        [
            # seconds: at most the target; an epoch row shows its per-repeat range
            row("mnist/cnn", "cpu s/epoch", 1.05, 1.10, per_repeat=[0.987, 1.126]),
            row("mnist/mlp", "cpu s/epoch", 1.50, 1.10),
            row("data/mnist", "samples/s", 24.0, 5.0),  # throughput: at least the target
            row("data/series", "samples/s", 3.0, 5.0),
            row("mnist/mlp", "wall s/epoch", 2.3, None),  # for information: no target
        ]
    ).splitlines()[2:]
    verdicts = [line.rsplit("|", 2)[-2].strip() for line in lines]
    assert verdicts == ["ok", "MISSED", "ok", "MISSED", "info"]
    assert "<= 1.1" in lines[0] and ">= 5" in lines[2] and "| - |" in lines[4]
    assert "| 1.05 | 0.99-1.13 | <= 1.1 |" in lines[0] and "| 3.00 | - | >= 5 |" in lines[3]


def test_startup_bench_times_the_help_against_import_torch(tmp_path):
    rows_file = tmp_path / "rows.jsonl"
    stdout = run_bench("bench_startup.py", "--repeats=1", "--only", "help", f"--json={rows_file}")
    assert re.search(
        r"^help +/ import torch +\d+\.\d\d fastest runs, +\d+\.\d\d medians \(target <= 0.5\)",
        stdout,
        re.M,
    )
    (row,) = [json.loads(line) for line in rows_file.read_text().splitlines()]
    assert row["bench"] == "startup/help" and row["reference_name"] == "import torch"
    assert row["ratio"] == pytest.approx(row["litlab"] / row["reference"])
