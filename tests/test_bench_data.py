"""The data-path benchmark still runs end to end on every set (its 5x target lives in its rows
and docs, not here: a few samples per pass on a shared machine say nothing about speed)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, SHARED_DATA

SETS = ("mnist", "cifar10", "table", "series")


def test_data_bench_prints_a_ratio_per_set_and_writes_its_json_rows(tmp_path: Path):
    rows_file = tmp_path / "rows.jsonl"
    result = subprocess.run(
        [
            sys.executable,
            "bench/bench_data.py",
            "--repeats=1",
            "--limit=64",
            "--rows=1500",  # synthetic table and series CSVs, small
            "--cifar-images=600",  # random CIFAR-10 pickles, small
            f"--data-dir={SHARED_DATA}",  # random digits (with a loud note) when it is absent
            f"--json={rows_file}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    number = r"\d+(?:\.\d+)?"
    for name in SETS:
        line = rf"^data/{name} samples/s litlab: ({number}) reference: ({number}) ratio: ({number})"
        found = re.search(line, result.stdout, re.M)
        assert found and all(float(v) > 0 for v in found.groups()), result.stdout
    rows = [json.loads(line) for line in rows_file.read_text().splitlines()]
    assert [row["bench"] for row in rows] == [f"data/{name}" for name in SETS]
    for row in rows:
        assert row["measure"] == "samples/s" and row["target"] == 5.0
        assert row["reference_name"].endswith("Dataset + DataLoader")
        assert row["litlab"] > 0 and row["reference"] > 0
        assert abs(row["ratio"] - row["litlab"] / row["reference"]) < 1e-9 * row["ratio"]
