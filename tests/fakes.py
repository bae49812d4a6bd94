"""Tiny datasets written in the exact on-disk formats, so the real loading code runs."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
from PIL import Image


def write_idx(path: Path, array: np.ndarray) -> None:
    """An uncompressed IDX file of unsigned bytes, as MNIST ships it."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def write_mnist(
    root: Path,
    n_train: int = 256,
    n_test: int = 64,
    seed: int = 0,
    train_label: int | None = None,
    test_label: int | None = None,
) -> Path:
    """`root/MNIST/raw/*-ubyte` with random digits (labels random, or one label per file when
    given, to tell the files apart downstream); returns root (use as data_dir)."""
    rng = np.random.default_rng(seed)
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for prefix, n, label in (("train", n_train, train_label), ("t10k", n_test, test_label)):
        write_idx(raw / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)))
        labels = rng.integers(0, 10, n) if label is None else np.full(n, label)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
    return root


def write_cifar(root: Path, classes: int = 10, n_per_file: int = 40, seed: int = 0) -> Path:
    """CIFAR-10 (`cifar-10-batches-py/`) or CIFAR-100 (`cifar-100-python/`) pickles."""
    rng = np.random.default_rng(seed)

    def batch(n: int, key: bytes) -> dict:
        return {
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            key: rng.integers(0, classes, n).tolist(),
        }

    if classes == 10:
        folder = root / "cifar-10-batches-py"
        folder.mkdir(parents=True, exist_ok=True)
        files = {f"data_batch_{i}": batch(n_per_file, b"labels") for i in range(1, 6)}
        files["test_batch"] = batch(n_per_file, b"labels")
        files["batches.meta"] = {b"label_names": [f"c{i}".encode() for i in range(10)]}
    else:
        folder = root / "cifar-100-python"
        folder.mkdir(parents=True, exist_ok=True)
        files = {
            "train": batch(5 * n_per_file, b"fine_labels"),
            "test": batch(n_per_file, b"fine_labels"),
        }
        files["meta"] = {b"fine_label_names": [f"c{i}".encode() for i in range(classes)]}
    for name, content in files.items():
        with (folder / name).open("wb") as f:
            pickle.dump(content, f)
    return root


def write_classes(root: Path, counts: dict[str, int], size: int = 12, seed: int = 0) -> Path:
    """`counts[name]` random RGB PNGs of `size` x `size` in `root/<name>/`."""
    rng = np.random.default_rng(seed)
    for name, n in counts.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i:03d}.png")
    return root
