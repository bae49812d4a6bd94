"""`make bench`: every benchmark at suite settings, one after another, then one table.

Each bench measures litlab against its reference in the same process (or, for start-up, in
interleaved processes), so every row is a ratio taken under the same conditions; the table
marks a row `ok` when its ratio meets the target (start-up, steps, epochs: at most the target;
the data path: at least). Run it with nothing else busy on the machine.

    python bench/run_all.py [--device cuda] [--quick] [--out bench-results.md]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

BENCH = Path(__file__).resolve().parent
# (script, suite arguments, quick arguments); all take --json and (but start-up) --device
EPOCHS = ["--epochs", "2", "--warmup", "1", "--repeats", "2"]
TINY = ["--epochs", "1", "--warmup", "0", "--repeats", "1", "--limit-batches", "2"]
SUITE = [
    ("bench_startup.py", ["--repeats", "3"], ["--repeats", "1"]),
    # the CNN's 57-step epochs take 20 s each here: 10 steps give the same per-step ratio
    (
        "bench_mnist.py",
        ["--nets", "cnn", "--limit-batches", "10", *EPOCHS],
        ["--nets", "cnn", *TINY],
    ),
    (
        "bench_mnist.py",
        ["--nets", "mlp", "--epochs", "3", "--warmup", "1", "--repeats", "3"],
        ["--nets", "mlp", *TINY],
    ),
    ("bare_lightning.py", ["--epochs", "3", "--warmup", "1", "--repeats", "5"], TINY),
    # epochs of the same work vary by ~8% between processes here: one more repeat for these
    (
        "bench_generative.py",
        ["--limit-batches", "15", "--epochs", "2", "--warmup", "1", "--repeats", "3"],
        TINY,
    ),
    ("bench_detector.py", ["--canvases", "600", *EPOCHS], [*TINY, "--canvases", "64"]),
    (
        "bench_data.py",
        ["--repeats", "3", "--rows", "5000"],  # the pandas reference reads 700 rows a second
        ["--repeats", "1", "--limit", "64", "--rows", "1500", "--cifar-images", "600"],
    ),
    ("bench_export.py", ["--repeats", "5"], ["--quick"]),  # CPU inference, whatever --device
]
AT_LEAST = ("samples/s",)  # measures where more is better
BUDGET_S = 600  # the whole suite on 2 cores (issue 14)


def meets(row: dict) -> bool | None:
    if row["target"] is None:
        return None
    if row["measure"] in AT_LEAST:
        return row["ratio"] >= row["target"]
    return row["ratio"] <= row["target"]


def table(rows: list[dict]) -> str:
    """The rows as Markdown; `per repeat` is the range of an epoch row's paired ratios (the
    row itself is the median repeat), `-` for rows measured another way."""
    lines = [
        "| bench | measure | litlab | reference | ratio | per repeat | target | |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        bound = ">=" if row["measure"] in AT_LEAST else "<="
        target = "-" if row["target"] is None else f"{bound} {row['target']:g}"
        verdict = {None: "info", True: "ok", False: "MISSED"}[meets(row)]
        low, high = [f"{r:.2f}" for r in row["per_repeat"]] if "per_repeat" in row else ["-"] * 2
        spread = low if low == high else f"{low}-{high}"
        lines.append(
            f"| {row['bench']} | {row['measure']} | {row['litlab']:.4g} | "
            f"{row['reference']:.4g} ({row['reference_name']}) | {row['ratio']:.2f} | "
            f"{spread} | {target} | {verdict} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--quick", action="store_true", help="tiny settings: checks it all runs")
    parser.add_argument("--only", nargs="*", help="run only these scripts (e.g. bench_data.py)")
    parser.add_argument("--out", default=None, help="also write the table to this file")
    args = parser.parse_args()
    rows_file = Path(tempfile.mkdtemp(prefix="bench-")) / "rows.jsonl"
    started = time.time()
    took: list[str] = []
    for script, suite, quick in SUITE:
        if args.only and script not in args.only:
            continue
        chosen = quick if args.quick else suite
        argv = [sys.executable, str(BENCH / script), *chosen]
        argv += ["--json", str(rows_file)]
        if script != "bench_startup.py":
            argv += ["--device", args.device]
        print(f"\n=== {' '.join(argv[1:])}", flush=True)
        began = time.time()
        subprocess.run(argv, check=True, cwd=BENCH.parent)
        nets = f" {chosen[chosen.index('--nets') + 1]}" if "--nets" in chosen else ""
        took.append(f"{script}{nets} {time.time() - began:.0f} s")
    rows = [json.loads(line) for line in rows_file.read_text().splitlines()]
    device = torch.cuda.get_device_name() if args.device == "cuda" else platform.processor()
    command = " ".join(["python bench/run_all.py", *sys.argv[1:]])
    elapsed = time.time() - started
    header = (
        f"{datetime.date.today()}, `{command}`: torch {torch.__version__}, {os.cpu_count()} "
        f"cpus ({device or platform.machine()}), {elapsed:.0f} s in all"
    )
    whole = not (args.quick or args.only)
    budget = " (over the suite's 10-minute budget)" if whole and elapsed > BUDGET_S else ""
    footer = f"Seconds per script{budget}: {', '.join(took)}."
    if args.quick:
        footer += " --quick: tiny settings that check it all runs; its ratios say nothing."
    report = f"{header}\n\n{table(rows)}\n\n{footer}\n"
    print(f"\n{report}")
    if args.out:
        Path(args.out).write_text(report)


if __name__ == "__main__":
    main()
