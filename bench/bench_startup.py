"""Start-up a researcher feels: whole `python train.py ...` processes against import floors.

Each command runs as its own process, `--repeats` times, all commands interleaved round-robin
so that drift on a shared machine hits them alike; the median wall time and peak memory (max
RSS) of each are printed, then each target's ratio to its floor measured in the same run, from
the fastest run of each (other work on the machine only ever adds time; the medians' ratio is
printed beside it):

- `--help`, `--cfg job` and one-sentence config errors against `python -c "import torch"`:
  the command line is checked before torch is imported (target: at most 0.5x).
- a whole `trainer.fast_dev_run=true test=false` MNIST run against
  `python -c "import pytorch_lightning, torch"`, Lightning's own floor (target: 1.15x).
- the same run against that import with the collector paused and its objects frozen, as
  litlab's commands import (litlab/startup.py): what is left is litlab's own work (information,
  no target).
- that run's peak memory against `bench/one_step.py`: the floor's import, the MNIST files held
  as uint8 tensors, and the same training and validation batch of the same CNN in plain
  PyTorch (target: 1.1x); and, for information, against the floor's peak plus the files' bytes
  (one CNN step at batch 128 needs about 150 MB on a CPU, which that reference leaves out).

    python bench/bench_startup.py --repeats 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from basics import SHARED_DATA, data_dir_or_random, write_rows

REPO = Path(__file__).resolve().parents[1]


def data_megabytes(data_dir: str) -> float:
    """What MNISTDataModule holds: its IDX files' bytes, as uint8 tensors."""
    files = (Path(data_dir) / "MNIST" / "raw").glob("*-ubyte")
    return sum(f.stat().st_size for f in files) / 2**20


# the floor's import done as litlab's commands do it (litlab/startup.py)
FROZEN_IMPORT = (
    "from litlab.preflight import task_imports\n"
    "with task_imports():\n"
    "    import pytorch_lightning, torch"
)
ONE_STEP = "one step, no litlab"  # the memory reference: bench/one_step.py


def commands(data_dir: str, out: str) -> dict[str, list[str]]:
    py = sys.executable
    run = [py, "train.py", f"paths.data_dir={data_dir}", f"hydra.run.dir={out}/run"]
    return {
        "import torch": [py, "-c", "import torch"],
        "import lightning": [py, "-c", "import pytorch_lightning, torch"],
        "import lightning, gc frozen": [py, "-c", FROZEN_IMPORT],
        ONE_STEP: [py, "bench/one_step.py", data_dir],
        "help": [py, "train.py", "--help"],
        "cfg job": [py, "train.py", "data=mnist", "--cfg", "job"],
        "unknown option": [*run, "trainer.max_epoch=3"],
        "bad group choice": [*run, "data=mnits"],
        "wrong value type": [*run, "trainer.max_epochs=three"],
        "model/data mismatch": [*run, "model=detector", "data=mnist"],
        "fast_dev_run mnist": [
            *run,
            "data=mnist",
            "trainer.fast_dev_run=true",
            "test=false",
            "print_config=false",
        ],
    }


CONFIG_ERRORS = ("unknown option", "bad group choice", "wrong value type", "model/data mismatch")
# command, its floor, the target ratio of their fastest wall times
CHECKS = [
    ("help", "import torch", 0.5),
    ("cfg job", "import torch", 0.5),
    ("unknown option", "import torch", 0.5),
    ("bad group choice", "import torch", 0.5),
    ("wrong value type", "import torch", 0.5),
    ("model/data mismatch", "import torch", 0.5),
    ("fast_dev_run mnist", "import lightning", 1.15),
    ("fast_dev_run mnist", "import lightning, gc frozen", None),
]


def run_once(argv: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit code) of one process."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    start = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data-dir", default=str(SHARED_DATA), help="holds MNIST/raw/*-ubyte")
    parser.add_argument("--only", nargs="*", help="run only these commands (and their floors)")
    parser.add_argument("--json", default=None, help="also append the result rows to this file")
    args = parser.parse_args()
    data_dir = data_dir_or_random(args.data_dir)
    out = tempfile.mkdtemp(prefix="bench-startup-")
    todo = commands(data_dir, out)
    if args.only:
        keep = set(args.only) | {floor for name, floor, _ in CHECKS if name in args.only}
        if "fast_dev_run mnist" in keep:
            keep.add(ONE_STEP)  # its memory reference
        todo = {k: v for k, v in todo.items() if k in keep}
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, {args.repeats} repeats")
    walls: dict[str, list[float]] = {name: [] for name in todo}
    peaks: dict[str, list[float]] = {name: [] for name in todo}
    for repeat in range(args.repeats):
        names = list(todo) if repeat % 2 == 0 else list(reversed(todo))
        for name in names:
            wall, peak, code = run_once(todo[name])
            walls[name].append(wall)
            peaks[name].append(peak)
            expected = 1 if name in CONFIG_ERRORS else 0
            if code != expected:
                raise SystemExit(f"{name}: exit code {code}, expected {expected}")
    median = {name: statistics.median(v) for name, v in walls.items()}
    fastest = {name: min(v) for name, v in walls.items()}  # the least disturbed run (see below)
    for name in todo:
        print(
            f"{name:27s} wall {median[name]:6.2f} s (min {min(walls[name]):.2f}, "
            f"max {max(walls[name]):.2f})  peak {statistics.median(peaks[name]):6.0f} MB"
        )
    rows = []
    for name, floor, target in CHECKS:
        if name not in todo:
            continue
        ratio = fastest[name] / fastest[floor]
        rows.append(row(name, "wall s", fastest[name], fastest[floor], floor, target))
        goal = "information" if target is None else f"target <= {target}"
        print(
            f"{name:22s} / {floor:27s} {ratio:5.2f} fastest runs, "
            f"{median[name] / median[floor]:5.2f} medians ({goal})"
        )
    if "fast_dev_run mnist" in todo:
        peak = statistics.median(peaks["fast_dev_run mnist"])
        one_step = statistics.median(peaks[ONE_STEP])
        rows.append(row("fast_dev_run mnist", "peak MB", peak, one_step, ONE_STEP, 1.1))
        print(f"{'fast_dev_run mnist':22s} peak / {ONE_STEP} {peak / one_step:5.2f} (1.1)")
        floor_memory = statistics.median(peaks["import lightning"]) + data_megabytes(data_dir)
        rows.append(row("fast_dev_run mnist", "peak MB", peak, floor_memory, "floor + data", None))
        print(f"{'fast_dev_run mnist':22s} peak / (floor + data) {peak / floor_memory:5.2f} (info)")
    write_rows(args.json, rows)


def row(
    name: str, measure: str, value: float, reference: float, ref: str, target: float | None
) -> dict:
    return {
        "bench": f"startup/{name}",
        "measure": measure,
        "litlab": value,
        "reference": reference,
        "reference_name": ref,
        "ratio": value / reference,
        "target": target,
    }


if __name__ == "__main__":
    main()
