"""What the benches share that needs no torch: the MNIST-or-random data folder and the result
rows. bench_startup.py imports only this: a child process forked from a parent holding torch
would report the parent's memory as its own peak."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 8, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def data_dir_or_random(data_dir: str) -> str:
    """The MNIST folder, or random digits of MNIST shape in IDX files when it is absent."""
    if (Path(data_dir) / "MNIST" / "raw" / "train-images-idx3-ubyte").is_file():
        return data_dir
    print(
        f"\n{'!' * 78}\n!!! NO MNIST at {data_dir}/MNIST/raw: timing RANDOM tensors of MNIST "
        f"shape instead !!!\n{'!' * 78}\n",
        file=sys.stderr,
    )
    folder = Path(tempfile.mkdtemp(prefix="bench-mnist-"))
    raw = folder / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 8000), ("t10k", 2000)):
        write_idx(raw / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)))
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", rng.integers(0, 10, (n,)))
    return str(folder)


def write_rows(path: str | None, rows: list[dict[str, Any]]) -> None:
    """Append result rows (bench, measure, litlab, reference, ratio, target, ...) as JSON lines
    for bench/run_all.py's table; nothing when `path` is None."""
    if path is None:
        return
    with open(path, "a") as file:
        for row in rows:
            file.write(json.dumps(row) + "\n")
