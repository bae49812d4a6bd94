"""The GPU path in one run: every model family on one CUDA GPU at its default precision,
bf16-mixed, channels_last and torch.compile against the plain runs, `make bench`'s ratios with
`--device cuda`, and a CIFAR-shaped throughput figure against a hand-written loop; one table.

    python bench/gpu_check.py [--out FILE] [--data-dir DIR] [--epochs N] [--bench MODE]
    python bench/gpu_check.py --dry-run     # the same rows on the CPU at tiny settings, no timings

Each training row is a whole `python train.py ...` process read back from its run folder's
summary.json. A callback added on its command line (`+callbacks.gpu_probe`: `GpuProbe` below)
times its training epochs (CUDA synchronised) and records the process's
`torch.cuda.max_memory_allocated` into `gpu_probe.json` beside the summary. A failed row keeps
its one-line reason; the script exits 1 when any row failed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import pickle
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
SHARED_DATA = REPO.parent / "shared" / "data"
PROBE_FILE = "gpu_probe.json"
NO_CUDA = "no CUDA device: run with --dry-run on a CPU"
# the benches that put work on the device (start-up and ONNX export run on the CPU whatever it is)
GPU_BENCHES = (
    "bench_mnist.py",
    "bare_lightning.py",
    "bench_generative.py",
    "bench_detector.py",
    "bench_data.py",
)
WHOLE_S = 470  # the whole check, bench/run_all.py included, ends within 8 minutes
CIFAR_TRAIN, CIFAR_TEST, CIFAR_CLASSES = 50_000, 10_000, 10
FAMILIES = (
    ("classifier cnn", ["data=mnist"]),
    ("classifier resnet18", ["data=mnist", "model/net=resnet18"]),
    ("vae", ["model=vae", "data=mnist"]),
    ("denoiser", ["model=denoiser", "data=mnist"]),
    ("gan", ["model=gan", "data=mnist"]),
    ("detector", ["model=detector", "data=mnist_detection"]),
    ("tabular", ["data=wine"]),
    ("forecaster", ["data=sunspots"]),
)
SPEEDUPS = (("channels_last", "channels_last=true"), ("compile", "compile.enabled=true"))
# validation, checkpoints and tests off: the epoch is the training pass alone
TRAIN_ONLY = [
    "trainer.limit_val_batches=0",
    "trainer.num_sanity_val_steps=0",
    "callbacks.model_checkpoint=null",
    "callbacks.last_checkpoint=null",
    "callbacks.early_stopping=null",
    "+trainer.enable_checkpointing=false",
    "test=false",
]


class GpuProbe(pl.Callback):
    """Training epoch times (start to start, after the device has finished its queue), the
    samples of the first epoch and the process's peak CUDA memory, written to `path` as JSON."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.marks: list[float] = []
        self.samples = 0
        self.counting = True

    def mark(self) -> None:
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            torch.cuda.synchronize()
        self.marks.append(time.perf_counter())

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self.marks:
            self.counting = False
        self.mark()

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if self.counting:
            first = batch[0] if isinstance(batch, list | tuple) else batch
            self.samples += len(first) if hasattr(first, "__len__") else 0

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.mark()
        self.write()

    def on_test_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.write()

    def write(self) -> None:
        peak = None
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            peak = torch.cuda.max_memory_allocated()
        epochs = [b - a for a, b in zip(self.marks, self.marks[1:], strict=False)]
        record = {"epochs": epochs, "first_epoch_samples": self.samples, "peak_bytes": peak}
        self.path.write_text(json.dumps(record))


@dataclass
class Row:
    """One line of the table; `value` and `epoch` feed the comparisons with the plain runs."""

    name: str
    overrides: str
    status: str = "skipped"
    metric: str = ""
    seconds: float | None = None
    epoch: float | None = None
    ratio: str = ""
    peak_mib: float | None = None
    note: str = ""
    value: float | None = None
    metric_name: str = ""
    samples: int = 0


# ---------------------------------------------------------------------------------- options
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="on the CPU at tiny settings: the same rows and code, no timings",
    )
    parser.add_argument(
        "--out",
        default=str(REPO / "outputs" / "gpu_check" / "gpu_check.md"),
        help="the Markdown table's file",
    )
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("DATA_DIR") or str(SHARED_DATA),
        help="holds MNIST/raw/*-ubyte (default: DATA_DIR, else ../shared/data)",
    )
    parser.add_argument(
        "--workdir",
        default=None,
        help="run folders go here (default: outputs/gpu_check/<time>)",
    )
    parser.add_argument(
        "--epochs", type=int, default=3, help="epochs per training row (the first is warm-up)"
    )
    parser.add_argument(
        "--bench",
        choices=("gpu", "all", "quick", "none"),
        default="gpu",
        help="bench/run_all.py rows: its GPU benches at suite settings (gpu), every bench (all), "
        "every bench at --quick settings (quick), or none",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=450,
        help="seconds; rows not started by then are skipped (the whole check fits in 8 minutes)",
    )
    parser.add_argument(
        "--row-timeout", type=float, default=240, help="seconds one training process may take"
    )
    return parser.parse_args(argv)


def find_mnist(data_dir: str) -> Path | None:
    """The folder holding MNIST/raw among --data-dir and the repo's `shared/data` copies."""
    for folder in (Path(data_dir), REPO / "shared" / "data", SHARED_DATA):
        if (folder / "MNIST" / "raw" / "train-images-idx3-ubyte").is_file():
            return folder.resolve()
    return None


def random_mnist(folder: Path) -> Path:
    """Random digits in MNIST's IDX files (for the detector, which needs MNIST's format)."""
    from basics import write_idx

    raw = folder / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 8000), ("t10k", 2000)):
        write_idx(raw / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)))
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", rng.integers(0, 10, (n,)))
    return folder


def write_cifar(folder: Path, train: int, test: int) -> Path:
    """Random 32x32x3 images in CIFAR-10's pickle layout (`cifar-10-batches-py/`), which
    litlab's loader reads itself (no md5 check on files it did not download)."""
    root = folder / "cifar-10-batches-py"
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)

    def dump(name: str, n: int) -> None:
        batch = {
            b"data": rng.integers(0, 256, (n, 3 * 32 * 32), dtype=np.uint8),
            b"labels": rng.integers(0, CIFAR_CLASSES, n).tolist(),
        }
        with (root / name).open("wb") as f:
            pickle.dump(batch, f)

    for i in range(1, 6):
        dump(f"data_batch_{i}", train // 5)
    dump("test_batch", test)
    names = [f"class_{i}".encode() for i in range(CIFAR_CLASSES)]
    with (root / "batches.meta").open("wb") as f:
        pickle.dump({b"label_names": names}, f)
    return folder


# ---------------------------------------------------------------------------------- runs
class Check:
    """Runs the rows in order, under one time budget, and keeps them for the table."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.rows: list[Row] = []
        self.started = time.perf_counter()
        self.dry = args.dry_run
        if self.dry:
            self.base = [
                "trainer=gpu",
                "trainer.accelerator=cpu",
                "trainer.precision=32-true",
                "trainer.max_epochs=1",
                "trainer.limit_train_batches=2",
                "trainer.limit_val_batches=1",
                "trainer.limit_test_batches=1",
                "data.batch_size=16",
            ]
        else:
            self.base = ["trainer=gpu", f"trainer.max_epochs={args.epochs}"]
        self.base += [
            "print_config=false",
            "trainer.enable_progress_bar=false",
            "callbacks.model_summary=null",
        ]
        # tiny data where a family would otherwise build or train more than a batch needs
        self.tiny = (
            {
                "gan": ["model.fid.classifier_steps=2"],
                "detector": [
                    "data.train_canvases=64",
                    "data.val_canvases=32",
                    "data.test_canvases=32",
                ],
            }
            if self.dry
            else {}
        )

    def over_budget(self) -> bool:
        return time.perf_counter() - self.started > self.args.budget

    def train(
        self, name: str, overrides: list[str], data_dir: Path, extra: list[str] | None = None
    ) -> Row:
        """One `python train.py` process: its summary, epoch times and peak memory."""
        shown = " ".join(overrides)
        row = Row(name, shown)
        self.rows.append(row)
        if self.over_budget():
            row.note = f"past the {self.args.budget:g} s budget"
            return row
        slug = name.replace(" ", "_").replace("/", "_")
        folder = self.workdir / "runs" / slug
        probe = folder / PROBE_FILE
        argv = [
            sys.executable,
            str(REPO / "train.py"),
            *self.base,
            *overrides,
            *(extra or []),
            "+callbacks.gpu_probe._target_=gpu_check.GpuProbe",
            f"+callbacks.gpu_probe.path={probe}",
            f"hydra.run.dir={folder}",
        ]
        env = dict(os.environ, DATA_DIR=str(data_dir), MPLBACKEND="Agg")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH), env.get("PYTHONPATH")]))
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / "process.log"
        began = time.perf_counter()
        code = run_logged(argv, env, log, self.args.row_timeout)
        wall = time.perf_counter() - began
        summary_file = folder / "summary.json"
        summary = json.loads(summary_file.read_text()) if summary_file.is_file() else {}
        if code is None:
            row.status, row.note = "failed", f"timed out after {self.args.row_timeout:g} s"
        elif summary.get("status") != "ok" or code != 0:
            row.status = "failed"
            row.note = summary.get("error") or last_line(log) or f"exit code {code}"
        else:
            row.status = "ok"
        row.seconds = summary.get("seconds", wall)
        metric_of(row, summary)
        if probe.is_file():
            record = json.loads(probe.read_text())
            epochs = record["epochs"]
            row.epoch = statistics.median(epochs[1:] or epochs) if epochs else None
            if record["peak_bytes"] is not None:
                row.peak_mib = record["peak_bytes"] / 2**20
            row.samples = record["first_epoch_samples"]
        elif row.status == "ok":
            epochs = (summary.get("config") or {}).get("trainer", {}).get("max_epochs") or 1
            row.epoch = row.seconds / epochs
            row.note = "no gpu_probe.json: epoch time is seconds / epochs, memory unknown"
        print(
            f"[{time.perf_counter() - self.started:5.0f} s] {name}: {row.status} "
            f"({wall:.1f} s) {row.note}",
            flush=True,
        )
        return row


def run_logged(argv: list[str], env: dict[str, str], log: Path, timeout: float) -> int | None:
    """Run `argv` from the repo root, its output into `log`; None when it ran past `timeout`
    (then its whole process group is killed, the processes it started included)."""
    with log.open("w") as out:
        process = subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return None


def last_line(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines()]
    lines = [line for line in lines if line]
    return lines[-1][:300] if lines else ""


def metric_of(row: Row, summary: dict[str, Any]) -> None:
    """The test metric of the run's monitor (`val/acc` -> `test/acc`), else the monitor's best."""
    metrics = summary.get("metrics") or {}
    monitor = summary.get("monitor") or ""
    stem = monitor.split("/", 1)[-1]
    for name in (f"test/{stem}", f"{monitor}_best", monitor):
        value = metrics.get(name)
        if isinstance(value, int | float):
            row.metric_name, row.value = name, float(value)
            row.metric = f"{name} {value:.4g}"
            return


def compare(row: Row, plain: Row) -> None:
    """Epoch time as a ratio of the plain run's, and the metric's change against it."""
    if row.status != "ok" or plain.status != "ok":
        return
    if row.epoch and plain.epoch:
        row.ratio = f"{row.epoch / plain.epoch:.2f} x plain"
    if row.value is not None and plain.value is not None and row.metric_name == plain.metric_name:
        delta = row.value - plain.value
        bounded = row.metric_name.endswith(("acc", "map", "map_50"))
        tolerance = 0.02 if bounded else 0.05 * abs(plain.value)
        verdict = "within" if abs(delta) <= tolerance else "BEYOND"
        row.note = f"{row.metric_name} {delta:+.3g} vs plain ({verdict} {tolerance:.2g})"


def hand_loop(cfg_dir: Path, train_images: int, batch: int, epochs: int, cuda: bool) -> dict:
    """litlab's ResNet18 (conf/model/net/resnet18.yaml) on random CIFAR-shaped uint8 tensors in
    a plain PyTorch loop: Adam at the config's rate, cosine per epoch, 16-mixed with a gradient
    scaler on the GPU (trainer=gpu's precision), fp32 on the CPU."""
    import torch.nn.functional as F
    import yaml

    from litlab.nets import ResNet18

    net_config = yaml.safe_load((cfg_dir / "model" / "net" / "resnet18.yaml").read_text())
    net_config.pop("_target_")
    lr = yaml.safe_load((cfg_dir / "model" / "optimizer" / "adam.yaml").read_text())["lr"]
    device = torch.device("cuda" if cuda else "cpu")
    torch.manual_seed(0)
    net = ResNet18((3, 32, 32), CIFAR_CLASSES, **net_config).to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    scaler = torch.amp.GradScaler("cuda", enabled=cuda)
    images = torch.randint(0, 256, (train_images, 3, 32, 32), dtype=torch.uint8, device=device)
    labels = torch.randint(0, CIFAR_CLASSES, (train_images,), device=device)
    mean = torch.tensor([0.5, 0.5, 0.5], device=device).view(1, 3, 1, 1)
    std = torch.tensor([0.25, 0.25, 0.25], device=device).view(1, 3, 1, 1)
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    times = []
    net.train()
    for _ in range(epochs):
        if cuda:
            torch.cuda.synchronize()
        began = time.perf_counter()
        order = torch.randperm(train_images, device=device)
        for start in range(0, train_images, batch):
            index = order[start : start + batch]
            x = (images[index].float() / 255 - mean) / std
            with torch.autocast(device.type, dtype=torch.float16, enabled=cuda):
                loss = F.cross_entropy(net(x), labels[index])
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        schedule.step()
        if cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - began)
    peak = torch.cuda.max_memory_allocated() if cuda else None
    result = {"epochs": times, "loss": float(loss.detach()), "peak_bytes": peak}
    del net, optimizer, images, labels
    if cuda:
        torch.cuda.empty_cache()
    return result


def cifar_rows(check: Check, epochs: int) -> None:
    """resnet18 on random CIFAR-10-sized data: litlab's generic path, then the hand loop."""
    dry = check.dry
    train, test = (200, 40) if dry else (CIFAR_TRAIN, CIFAR_TEST)
    data_dir = write_cifar(Path(tempfile.mkdtemp(prefix="gpu-check-cifar-")), train, test)
    batch = 16 if dry else 128
    try:
        overrides = ["data=cifar10", "model/net=resnet18", "model.augment=false"]
        extra = [*TRAIN_ONLY, f"data.batch_size={batch}"]
        lit = check.train("cifar-shaped resnet18 litlab", overrides, data_dir, extra)
        lit.overrides += f" data.batch_size={batch} (random data; training pass only)"
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    lit_samples = lit.samples
    if lit.status == "ok" and lit_samples:
        lit.metric = f"{lit_samples} img/epoch"
        if not dry and lit.epoch:
            lit.metric += f", {lit_samples / lit.epoch:,.0f} img/s"
    loop = Row(
        "cifar-shaped resnet18 hand loop", f"batch {batch}, litlab's ResNet18, Adam, AMP on the GPU"
    )
    check.rows.append(loop)
    if check.over_budget():
        loop.note = f"past the {check.args.budget:g} s budget"
        return
    images = lit_samples or int(train * 0.9)
    loop_epochs = 1 if dry else epochs
    limit = 2 * batch if dry else images
    began = time.perf_counter()
    try:
        result = hand_loop(REPO / "conf", limit, batch, loop_epochs, cuda=not dry)
    except Exception as exc:
        loop.status, loop.note = "failed", f"{type(exc).__name__}: {exc}"[:300]
        return
    loop.status = "ok"
    loop.seconds = time.perf_counter() - began
    times = result["epochs"]
    loop.epoch = statistics.median(times[1:] or times)
    loop.metric = f"{limit} img/epoch"
    if not dry:
        loop.metric += f", {limit / loop.epoch:,.0f} img/s"
    if result["peak_bytes"] is not None:
        loop.peak_mib = result["peak_bytes"] / 2**20
    if not math.isfinite(result["loss"]):
        loop.status, loop.note = "failed", f"the loop's loss is {result['loss']}"
    elif lit.status == "ok" and lit.epoch and not dry:
        lit.ratio = f"{lit.epoch / loop.epoch:.2f} x loop"


def bench_rows(check: Check) -> None:
    """`bench/run_all.py --device cuda` (its table read back from its --out file)."""
    mode = "quick" if check.dry else check.args.bench
    if mode == "none":
        return
    out = check.workdir / "run_all.md"
    argv = [sys.executable, str(BENCH / "run_all.py"), "--out", str(out)]
    argv += ["--device", "cpu" if check.dry else "cuda"]
    if check.dry:
        argv += ["--only", "bare_lightning.py"]  # one script checks the path and the parsing
    elif mode == "gpu":
        argv += ["--only", *GPU_BENCHES]
    if mode == "quick":
        argv.append("--quick")
    shown = " ".join(["bench/run_all.py", *argv[2:]]).replace(f" --out {out}", "")
    if check.over_budget():
        check.rows.append(Row("bench run_all", shown, note=f"past the {check.args.budget:g} s"))
        return
    log = check.workdir / "run_all.log"
    began = time.perf_counter()
    timeout = max(60.0, WHOLE_S - (began - check.started))
    code = run_logged(argv, dict(os.environ), log, timeout)
    wall = time.perf_counter() - began
    print(f"[{time.perf_counter() - check.started:5.0f} s] bench/run_all.py: exit {code}")
    parsed = parse_run_all(out.read_text()) if out.is_file() else []
    if code is None:
        reason = f"stopped after {wall:.0f} s, past the check's {WHOLE_S:g} s: try --bench quick"
        check.rows.append(Row("bench run_all", shown, "failed", seconds=wall, note=reason))
        return
    if code != 0 or not parsed:
        reason = last_line(log) or f"exit code {code}"
        check.rows.append(Row("bench run_all", shown, "failed", seconds=wall, note=reason))
        return
    for bench in parsed:
        reference = bench["reference"]
        row = Row(f"bench {bench['bench']} {bench['measure']}", shown, "ok", ratio=bench["ratio"])
        row.metric = f"litlab {bench['litlab']} / {reference}"
        if check.dry:  # the names alone: no figures
            row.metric = f"litlab / {reference[reference.find('(') + 1 :].rstrip(')')}"
        row.note = f"target {bench['target']}" + ("" if check.dry else f": {bench['verdict']}")
        check.rows.append(row)
    check.rows[-1].seconds = wall


def parse_run_all(text: str) -> list[dict[str, str]]:
    """The rows of run_all.py's Markdown table: bench, measure, litlab, reference, ratio,
    per repeat, target, verdict."""
    keys = ("bench", "measure", "litlab", "reference", "ratio", "per_repeat", "target", "verdict")
    rows = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != len(keys) or cells[0] in ("bench", "---") or set(cells[0]) <= {"-"}:
            continue
        rows.append(dict(zip(keys, cells, strict=True)))
    return rows


# ---------------------------------------------------------------------------------- table
COLUMNS = ("row", "overrides", "status", "metric", "s", "epoch s", "ratio", "peak GPU MiB", "note")


def cells(row: Row, dry: bool) -> list[str]:
    def number(value: float | None, digits: str) -> str:
        return "-" if value is None or dry else format(value, digits)

    return [
        row.name,
        f"`{row.overrides}`" if row.overrides else "",
        row.status,
        row.metric or "-",
        number(row.seconds, ".1f"),
        number(row.epoch, ".3f"),
        "-" if dry or not row.ratio else row.ratio,
        number(row.peak_mib, ".0f"),
        row.note.replace("|", "/"),
    ]


def markdown(rows: list[Row], dry: bool) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|---|---|---|---|---:|---:|---:|---:|---|"]
    lines += ["| " + " | ".join(cells(row, dry)) + " |" for row in rows]
    return "\n".join(lines)


def header(args: argparse.Namespace, mnist: Path | None, elapsed: float) -> str:
    if args.dry_run:
        device = "CPU dry run (tiny settings, trainer.accelerator=cpu: no timings)"
    else:
        device = f"{torch.cuda.get_device_name()}, CUDA {torch.version.cuda}"
    data = f"MNIST from {mnist}" if mnist else "no MNIST found: data=digits instead"
    return (
        f"{datetime.date.today()}, `python bench/gpu_check.py {' '.join(sys.argv[1:])}`: "
        f"torch {torch.__version__}, pytorch-lightning {pl.__version__}, {device}, "
        f"{os.cpu_count()} cpus, {data}, {elapsed:.0f} s in all"
    )


FOOTER = (
    "Rows: a short run of each family at trainer=gpu's precision (16-mixed); bf16-mixed, "
    "channels_last and compile against the plain run of the same net (ratio: epoch time over "
    "the plain run's; note: the metric's change); resnet18 on random CIFAR-10-sized data "
    "through `python train.py data=cifar10` against a hand-written loop on the same net; "
    "bench/run_all.py's rows. Epoch s: median training epoch after the first (validation "
    "included where it runs); peak GPU MiB: torch.cuda.max_memory_allocated in the run's "
    "own process."
)


# ---------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.dry_run and not torch.cuda.is_available():
        print(NO_CUDA, file=sys.stderr)
        return 1
    stamp = datetime.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    workdir = Path(args.workdir or REPO / "outputs" / "gpu_check" / stamp).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    check = Check(args, workdir)
    mnist = find_mnist(args.data_dir)
    data_dir = mnist or workdir / "no-mnist"
    detection_dir = mnist or random_mnist(workdir / "random-mnist")

    def on_data(overrides: list[str]) -> list[str]:
        return [o.replace("data=mnist", "data=digits") if mnist is None else o for o in overrides]

    families: dict[str, Row] = {}
    for name, overrides in FAMILIES:
        where = detection_dir if name == "detector" else data_dir
        row = check.train(name, on_data(overrides), where, check.tiny.get(name))
        if mnist is None and row.status == "ok" and "data=mnist" in overrides:
            row.note = "no MNIST: data=digits"
        elif mnist is None and row.status == "ok" and name == "detector":
            row.note = "no MNIST: random digits in MNIST's format"
        families[name] = row

    nets = {"cnn": on_data(FAMILIES[0][1]), "resnet18": on_data(FAMILIES[1][1])}
    bf16 = check.train(
        "classifier cnn bf16-mixed", [*nets["cnn"], "trainer.precision=bf16-mixed"], data_dir
    )
    compare(bf16, families["classifier cnn"])
    for net, base in nets.items():
        plain = families[f"classifier {net}"]
        for label, switch in SPEEDUPS:
            extra = ["compile.backend=eager"] if check.dry and label == "compile" else []
            row = check.train(f"classifier {net} {label}", [*base, switch], data_dir, extra)
            if extra:
                row.overrides += " compile.backend=eager (on the CPU: dynamo traces, no inductor)"
            compare(row, plain)

    cifar_rows(check, args.epochs)
    bench_rows(check)

    elapsed = time.perf_counter() - check.started
    report = f"{header(args, mnist, elapsed)}\n\n{markdown(check.rows, args.dry_run)}\n\n{FOOTER}\n"
    print(f"\n{report}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    print(f"table written to {out}; run folders in {workdir}")
    failed = [row.name for row in check.rows if row.status == "failed"]
    if failed:
        print(f"error: {len(failed)} row(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(BENCH))
    raise SystemExit(main())
