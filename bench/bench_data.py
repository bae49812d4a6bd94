"""Speed of litlab's data path against the per-sample pipeline a user would write.

What is measured: samples per second delivered as ready-to-train batches (float inputs,
normalised, on `--device`), over one pass (epoch) of the training split, shuffled, at the
litlab config's batch size on both sides. Per set:

- mnist: litlab's `MNISTDataModule` as `python train.py data=mnist` composes it (the classifier
  default, batch 128) from the real IDX files (random ones of MNIST shape when they are absent);
  its `train_dataloader()` (uint8 tensors, whole-batch indexing), then Lightning's hooks
  `on_before_batch_transfer` -> `transfer_batch_to_device` -> `on_after_batch_transfer`
  (scaling + normalisation on the device). Reference: `torchvision.datasets.MNIST` with
  `ToTensor()` + `Normalize(mean, std)`, `random_split` 90/10 like litlab's `val_size`, a
  `DataLoader(shuffle=True, num_workers=0)`, and `.to(device)`.
- cifar10: the same for `CIFAR10DataModule` and `torchvision.datasets.CIFAR10`, on random
  images written in the CIFAR-10 python pickle layout (no CIFAR here, no network).
- table: `TabularDataModule` on a synthetic CSV (12 numeric + 2 categorical columns, a class
  target), batch 64. Reference: the same encoded training rows (standardised numbers, category
  codes) in a pandas DataFrame whose `__getitem__` does `df.iloc[i]` -> tensors, + DataLoader.
- series: `TimeSeriesDataModule` windows (lookback 24, horizon 1, batch 32) on a synthetic
  series CSV. Reference: a `Dataset` slicing each window from the same scaled numpy array per
  index (numpy, not pandas: the faster per-sample variant, so the ratio is conservative).

Augmentation: OFF on both sides by default (`data.augment.enabled=false` on litlab's side,
though `python train.py data=mnist` trains the classifier with it on; no random transforms on
the reference side). `--augment` turns it ON on both sides: litlab's configured batched
augmentation (MNIST: rotation 10 deg, shift 0.1, zoom 0.9-1.1; CIFAR-10: flip + 4 px shift), as
Lightning applies it to training batches, against torchvision's `RandomAffine` (MNIST) or
`RandomCrop(32, padding=4)` + `RandomHorizontalFlip` (CIFAR-10) per sample. Tables and series
have no augmentation. Data reading, splitting and encoding (setup) are timed on neither side.

Both sides run in this process, one warm-up pass each, then `--repeats` timed passes
alternating (litlab, reference, reference, litlab, ...); the medians' ratio litlab/reference is
printed per set (target: at least 5x).

    python bench/bench_data.py --repeats 3 [--device cuda] [--sets mnist table] [--json FILE]
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import struct
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from basics import SHARED_DATA, data_dir_or_random, write_rows
from common import compose_cfg
from torch.utils.data import DataLoader, Dataset, random_split
from torchvision import datasets, transforms

from litlab.builders import build_datamodule
from litlab.data.base import LitDataModule

SETS = ("mnist", "cifar10", "table", "series")
TARGET = 5.0
Batch = Any


# ---------------------------------------------------------------------------------- options
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per side")
    parser.add_argument("--limit", type=int, default=None, help="cap on samples per pass")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads; 1 by default: on a busy 2-core machine more threads spin-wait",
    )
    parser.add_argument("--augment", action="store_true", help="augment on both sides (images)")
    parser.add_argument("--data-dir", default=str(SHARED_DATA), help="holds MNIST/raw/*-ubyte")
    parser.add_argument("--cifar-images", type=int, default=5000, help="random CIFAR images")
    parser.add_argument("--rows", type=int, default=20000, help="rows of the synthetic CSVs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None, help="also append the result rows to this file")
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------------- a side
@dataclass
class Side:
    """One way of delivering ready batches: a loader and what turns its batch into the
    training step's input on the device."""

    loader: DataLoader
    ready: Callable[[Batch, torch.device], Batch]


def to_device(batch: Batch, device: torch.device) -> Batch:
    """The reference's `x.to(device), y.to(device)` step."""
    return tuple(t.to(device) for t in batch)


def lightning_steps(dm: LitDataModule, augment: bool) -> Callable[[Batch, torch.device], Batch]:
    """The hooks Lightning runs on each batch of `dm`'s loader, in its order. Outside a
    Trainer `on_after_batch_transfer` sees no training loop and would not augment, so with
    `augment` the image module's `prepare_batch(augment=True)` stands in for it, which is what
    that hook calls inside Lightning's training loop."""

    def ready(batch: Batch, device: torch.device) -> Batch:
        batch = dm.on_before_batch_transfer(batch, 0)
        batch = dm.transfer_batch_to_device(batch, device, 0)
        if augment:
            return dm.prepare_batch(batch, augment=True)
        return dm.on_after_batch_transfer(batch, 0)

    return ready


def litlab_side(dm: LitDataModule, augment: bool = False) -> Side:
    return Side(dm.train_dataloader(), lightning_steps(dm, augment))


def reference_loader(dataset: Dataset, batch_size: int) -> DataLoader:
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=0)


def litlab_module(overrides: list[str], tag: str) -> LitDataModule:
    """The datamodule `python train.py <overrides>` would build (composed config, set up)."""
    cfg = compose_cfg(overrides, tempfile.mkdtemp(prefix=f"bench-data-{tag}-"))
    return build_datamodule(cfg)


# ---------------------------------------------------------------------------------- images
def image_overrides(args: argparse.Namespace) -> list[str]:
    """Augmentation as `--augment` says (the classifier's config has it on)."""
    return [] if args.augment else ["data.augment.enabled=false"]


def normalize(dm: Any) -> transforms.Normalize:
    """torchvision's Normalize with litlab's statistics (fitted on its training split)."""
    return transforms.Normalize(dm.mean.flatten().tolist(), dm.std.flatten().tolist())


def train_share(dataset: Dataset, val_size: float, seed: int) -> Dataset:
    """The usual user split: `random_split` into train / val shares, the train part."""
    generator = torch.Generator().manual_seed(seed)
    return random_split(dataset, [1 - val_size, val_size], generator=generator)[0]


def mnist_sides(args: argparse.Namespace, tmp: Path) -> tuple[Side, Side, int]:
    data_dir = data_dir_or_random(args.data_dir)
    dm = litlab_module(["data=mnist", f"data.data_dir={data_dir}", *image_overrides(args)], "mnist")
    steps: list[Any] = [transforms.ToTensor(), normalize(dm)]
    if args.augment:  # conf/data/mnist.yaml's augmentation, per PIL image
        steps.insert(0, transforms.RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1)))
    reference = datasets.MNIST(data_dir, train=True, transform=transforms.Compose(steps))
    train = train_share(reference, dm.val_size, args.seed)
    side = Side(reference_loader(train, dm.batch_size), to_device)
    return litlab_side(dm, args.augment), side, dm.batch_size


class LocalCIFAR10(datasets.CIFAR10):
    """torchvision's CIFAR10 reading a folder it did not download: it compares every file's
    md5 with the published archive's (in `__init__` via `_check_integrity`, and the meta file
    in `_load_meta`), which random files written here cannot match; the reading is unchanged."""

    meta = {**datasets.CIFAR10.meta, "md5": None}  # None: check_integrity only checks existence

    def _check_integrity(self) -> bool:
        return True


class Py2Pickler(pickle._Pickler):  # type: ignore[name-defined]
    """Writes `bytes` as Python 2 `str` opcodes, as the real CIFAR pickles (written by Python 2)
    hold their keys and array data: `pickle.load(encoding="bytes")` (litlab) reads them back as
    bytes, `encoding="latin1"` (torchvision) as str, exactly as with the real files."""

    dispatch = pickle._Pickler.dispatch.copy()  # type: ignore[attr-defined]

    def save_py2_str(self, obj: bytes) -> None:
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str


def write_cifar10(folder: Path, images: int, seed: int) -> None:
    """Random images in the layout of `cifar-10-batches-py/`: data_batch_1..5, test_batch
    (dicts of uint8 `data` (N, 3072) and `labels`) and batches.meta (`label_names`)."""
    root = folder / "cifar-10-batches-py"
    root.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    per_file = max(1, images // 6)
    names = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5"]
    for name in [*names, "test_batch"]:
        batch = {
            b"batch_label": name.encode(),
            b"labels": rng.integers(0, 10, per_file).tolist(),
            b"data": rng.integers(0, 256, (per_file, 3072), dtype=np.uint8),
            b"filenames": [f"{name}_{i}.png".encode() for i in range(per_file)],
        }
        with (root / name).open("wb") as file:
            Py2Pickler(file, protocol=2).dump(batch)
    meta = {b"label_names": [f"class{i}".encode() for i in range(10)], b"num_vis": 3072}
    with (root / "batches.meta").open("wb") as file:
        Py2Pickler(file, protocol=2).dump(meta)


def cifar10_sides(args: argparse.Namespace, tmp: Path) -> tuple[Side, Side, int]:
    folder = tmp / "cifar"
    write_cifar10(folder, args.cifar_images, args.seed)
    dm = litlab_module(["data=cifar10", f"data.data_dir={folder}", *image_overrides(args)], "cifar")
    steps: list[Any] = [transforms.ToTensor(), normalize(dm)]
    if args.augment:  # conf/data/cifar10.yaml's augmentation, per PIL image
        steps[:0] = [transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip()]
    reference = LocalCIFAR10(str(folder), train=True, transform=transforms.Compose(steps))
    train = train_share(reference, dm.val_size, args.seed)
    side = Side(reference_loader(train, dm.batch_size), to_device)
    return litlab_side(dm, args.augment), side, dm.batch_size


# ---------------------------------------------------------------------------------- table
NUMERIC = [f"num_{i}" for i in range(12)]
CATEGORICAL = ["colour", "shop"]


def write_table(path: Path, rows: int, seed: int) -> None:
    """12 numeric and 2 text columns, and a 3-class `label` that depends on them."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(rows, len(NUMERIC))), columns=NUMERIC)
    frame["colour"] = rng.choice(["red", "green", "blue"], rows)
    frame["shop"] = rng.choice([f"shop{i}" for i in range(8)], rows)
    score = frame["num_0"] + 0.5 * frame["num_1"] + (frame["colour"] == "red")
    frame["label"] = np.digitize(score, [-0.5, 0.8])
    frame.to_csv(path, index=False)


class FrameRows(Dataset):
    """The tutorial pattern: one `df.iloc[i]` row per sample, turned into tensors."""

    def __init__(self, frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> None:
        self.frame, self.numeric, self.categorical = frame, numeric, categorical

    def __len__(self) -> int:
        return len(self.frame)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        row = self.frame.iloc[index]
        x_num = torch.tensor(row[self.numeric].to_numpy(dtype=np.float32))
        x_cat = torch.tensor(row[self.categorical].to_numpy(dtype=np.int64))
        return x_num, x_cat, torch.tensor(row["label"], dtype=torch.long)


def table_sides(args: argparse.Namespace, tmp: Path) -> tuple[Side, Side, int]:
    path = tmp / "table.csv"
    write_table(path, args.rows, args.seed)
    dm = litlab_module(["data=tabular", f"data.path={path}", "data.target=label"], "table")
    # the same encoded training rows (standardised numbers, category codes) as a DataFrame
    x_num, x_cat, y = dm.train_set.tensors
    numeric = dm.encoder.numeric_names
    frame = pd.DataFrame(x_num.numpy(), columns=numeric)
    frame[CATEGORICAL] = x_cat.numpy()
    frame["label"] = y.numpy()
    side = Side(reference_loader(FrameRows(frame, numeric, CATEGORICAL), dm.batch_size), to_device)
    return litlab_side(dm), side, dm.batch_size


# ---------------------------------------------------------------------------------- series
def write_series(path: Path, rows: int, seed: int) -> None:
    """A seasonal `load` series with two input columns, indexed by an integer `step`."""
    rng = np.random.default_rng(seed)
    step = np.arange(rows)
    temp = 10 + 8 * np.sin(2 * np.pi * step / 365) + rng.normal(0, 1, rows)
    price = np.cumsum(rng.normal(0, 0.1, rows)) + 50
    load = 100 + 20 * np.sin(2 * np.pi * step / 24) - 0.8 * temp + rng.normal(0, 2, rows)
    pd.DataFrame({"step": step, "load": load, "temp": temp, "price": price}).to_csv(
        path, index=False
    )


class SeriesWindows(Dataset):
    """The per-sample pattern: each window sliced from the scaled (L, F) array by index."""

    def __init__(self, values: np.ndarray, lookback: int, horizon: int) -> None:
        self.values, self.lookback, self.horizon = values, lookback, horizon

    def __len__(self) -> int:
        return len(self.values) - self.lookback - self.horizon + 1

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        end = index + self.lookback
        x = torch.tensor(self.values[index:end], dtype=torch.float32)
        y = torch.tensor(self.values[end : end + self.horizon, 0], dtype=torch.float32)
        return x, y


def series_sides(args: argparse.Namespace, tmp: Path) -> tuple[Side, Side, int]:
    path = tmp / "series.csv"
    write_series(path, args.rows, args.seed)
    overrides = [
        "data=timeseries",
        f"data.path={path}",
        "data.target=load",
        "data.time=step",
        "data.inputs=[temp,price]",
    ]
    dm = litlab_module(overrides, "series")
    # the user's array: the same columns, scaled with the train segment's statistics
    frame = pd.read_csv(path).sort_values("step")
    values = frame[["load", "temp", "price"]].to_numpy(dtype=np.float64)
    train = ((values - dm.mean) / dm.std)[: dm.boundaries(len(values))[0]]
    windows = SeriesWindows(train, dm.lookback, dm.horizon)
    if len(windows) != len(dm.split_set("train")):
        raise SystemExit(f"series: {len(windows)} reference windows, litlab has another count")
    side = Side(reference_loader(windows, dm.batch_size), to_device)
    return litlab_side(dm), side, dm.batch_size


BUILDERS: dict[str, tuple[Callable[[argparse.Namespace, Path], tuple[Side, Side, int]], str]] = {
    "mnist": (mnist_sides, "torchvision Dataset + DataLoader"),
    "cifar10": (cifar10_sides, "torchvision Dataset + DataLoader"),
    "table": (table_sides, "pandas Dataset + DataLoader"),
    "series": (series_sides, "numpy Dataset + DataLoader"),
}


# ---------------------------------------------------------------------------------- timing
def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def one_pass(side: Side, device: torch.device, limit: int | None) -> tuple[int, float]:
    """(samples, wall seconds) of one shuffled pass, stopping after `limit` samples if set."""
    samples = 0
    synchronize(device)
    begin = time.perf_counter()
    batches: Iterable[Batch] = side.loader
    for batch in batches:
        batch = side.ready(batch, device)
        samples += len(batch[0])
        if limit is not None and samples >= limit:
            break
    synchronize(device)
    return samples, time.perf_counter() - begin


def measure(name: str, sides: dict[str, Side], args: argparse.Namespace) -> dict[str, float]:
    """Median samples/s of each side: one warm-up pass each, then `repeats` alternating."""
    device = torch.device(args.device)
    for side in sides.values():
        one_pass(side, device, args.limit)
    rates: dict[str, list[float]] = {key: [] for key in sides}
    for repeat in range(args.repeats):
        order = list(sides) if repeat % 2 == 0 else list(reversed(sides))
        for key in order:
            samples, seconds = one_pass(sides[key], device, args.limit)
            rates[key].append(samples / seconds)
            print(
                f"  data/{name} repeat {repeat + 1} {key:9s}: {samples} samples in "
                f"{seconds:.3f} s = {samples / seconds:.0f} samples/s",
                flush=True,
            )
    return {key: statistics.median(values) for key, values in rates.items()}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: torch sees no CUDA device on this machine")
    if args.threads:
        torch.set_num_threads(args.threads)
    os.environ.setdefault("MPLBACKEND", "Agg")
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} cpus, "
        f"device {torch.cuda.get_device_name() if args.device == 'cuda' else 'cpu'}, "
        f"augmentation {'on' if args.augment else 'off'} on both sides, 1 warm-up + "
        f"{args.repeats} timed passes per side, limit {args.limit or 'none'}",
        flush=True,
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-data-") as tmp:
        for name in args.sets:
            build, reference_name = BUILDERS[name]
            lit, reference, batch_size = build(args, Path(tmp))
            rate = measure(name, {"litlab": lit, "reference": reference}, args)
            ratio = rate["litlab"] / rate["reference"]
            note = "" if ratio >= TARGET else f"  (BELOW the {TARGET:g}x target)"
            print(
                f"data/{name} samples/s litlab: {rate['litlab']:.0f} "
                f"reference: {rate['reference']:.0f} ratio: {ratio:.2f}{note}",
                flush=True,
            )
            rows.append(
                {
                    "bench": f"data/{name}",
                    "measure": "samples/s",
                    "litlab": rate["litlab"],
                    "reference": rate["reference"],
                    "reference_name": reference_name,
                    "ratio": ratio,
                    "target": TARGET,
                    "device": args.device,
                    "batch_size": batch_size,
                    "augment": args.augment and name in ("mnist", "cifar10"),
                    "limit": args.limit,
                }
            )
    write_rows(args.json, rows)


if __name__ == "__main__":
    main()
