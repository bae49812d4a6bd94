"""bench/gpu_check.py's dry run: every row of the GPU check runs on the CPU and lands in its table;
without CUDA and without --dry-run it stops with one sentence."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SHARED_DATA, shared_mnist

SCRIPT = REPO / "bench" / "gpu_check.py"
FAMILIES = (
    "classifier cnn",
    "classifier resnet18",
    "vae",
    "denoiser",
    "gan",
    "detector",
    "tabular",
    "forecaster",
)
OTHERS = (
    "classifier cnn bf16-mixed",
    "classifier cnn channels_last",
    "classifier cnn compile",
    "classifier resnet18 channels_last",
    "classifier resnet18 compile",
    "cifar-shaped resnet18 litlab",
    "cifar-shaped resnet18 hand loop",
)


def table_rows(text: str) -> dict[str, dict[str, str]]:
    """The Markdown table's rows by their first cell."""
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[1:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows[cells[0]] = dict(zip(header, cells, strict=True))
    return rows


@pytest.mark.slow
def test_the_dry_run_runs_every_row_on_the_cpu(tmp_path):
    data = shared_mnist(SHARED_DATA)
    out = tmp_path / "gpu_check.md"
    env = dict(os.environ, DATA_DIR=str(data), CUDA_VISIBLE_DEVICES="")
    argv = [sys.executable, str(SCRIPT), "--dry-run", "--out", str(out)]
    result = subprocess.run(
        [*argv, "--workdir", str(tmp_path / "runs")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    text = Path(out).read_text()
    assert f"MNIST from {data.resolve()}" in text
    rows = table_rows(text)
    for name in FAMILIES:
        row = rows[name]
        assert row["status"] == "ok", row
        metric, value = row["metric"].rsplit(" ", 1)
        assert metric.startswith("test/") and math.isfinite(float(value)), row
        assert row["epoch s"] == "-" and row["peak GPU MiB"] == "-", row  # no timings on a CPU
    for name in OTHERS:
        assert rows[name]["status"] == "ok", rows[name]
    for name in ("classifier cnn bf16-mixed", "classifier cnn channels_last"):
        assert "vs plain (within" in rows[name]["note"], rows[name]
    benches = [row for name, row in rows.items() if name.startswith("bench ")]
    assert benches and all(row["status"] == "ok" for row in benches), benches
    assert "| classifier cnn | `data=mnist` | ok |" in result.stdout  # the same table, printed
    assert (tmp_path / "runs" / "runs" / "vae" / "summary.json").is_file()


def test_without_cuda_it_asks_for_the_dry_run(tmp_path):
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path / "table.md")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "no CUDA device: run with --dry-run on a CPU"
    assert not (tmp_path / "table.md").exists()
