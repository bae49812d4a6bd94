"""Speed of litlab's training loop against a hand-written PyTorch loop on MNIST.

Both sides train the same net (same initial weights), with the same optimizer, batch size,
number of steps and data, in this one process, and are timed per epoch:

- litlab: the real `Classifier` and `MNISTDataModule` (uint8 tensors, whole-batch indexing,
  scaling + normalisation in `on_after_batch_transfer`), built from the same Hydra config as
  `python train.py data=mnist` through `litlab.builders`, with the default CSV logger,
  `log_every_n_steps: 10` and the per-step `finite_loss` callback; see `litlab_overrides`.
- loop: the same tensors, scaled and normalised once up front, batches by shuffled index,
  forward / cross-entropy / backward / step, and the same cosine learning-rate schedule.

Validation is off on both sides. The machine may be shared, so runs alternate
(litlab, loop, loop, litlab, ...), the first epochs of every run are warm-up, and medians and
spreads are printed.

    python bench/bench_mnist.py --epochs 3 --warmup 1 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, open_dict

from litlab.builders import (
    build_callbacks,
    build_datamodule,
    build_loggers,
    build_model,
    build_trainer,
)
from litlab.conf_dir import conf_dir

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
NETS = {
    # the CNN exactly as conf/model/net/cnn.yaml gives it
    "cnn": ["model/net=cnn"],
    # litlab.nets.MLP(hidden=[64, 128, 64], batch_norm=True): dropout at the class default, 0
    "mlp": [
        "model/net=mlp",
        "model.net.hidden=[64,128,64]",
        "model.net.batch_norm=true",
        "model.net.dropout=0.0",
    ],
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nets", nargs="+", choices=sorted(NETS), default=["cnn", "mlp"])
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per run")
    parser.add_argument("--warmup", type=int, default=1, help="untimed epochs first in each run")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each side per net")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads; 1 by default: on a busy 2-core machine more threads spin-wait",
    )
    parser.add_argument("--limit-batches", type=int, default=None, help="steps per epoch cap")
    parser.add_argument("--data-dir", default=str(SHARED_DATA), help="holds MNIST/raw/*-ubyte")
    parser.add_argument(
        "--progress-bar", action="store_true", help="keep the default RichProgressBar on"
    )
    parser.add_argument("--no-logger", action="store_true", help="no CSV logger on litlab's side")
    parser.add_argument("--augment", action="store_true", help="keep conf/data/mnist augmentation")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "overrides", nargs="*", help="extra train.py overrides for litlab's side (key=value)"
    )
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------------- data
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


# ---------------------------------------------------------------------------------- litlab
def litlab_overrides(args: argparse.Namespace, net: str, data_dir: str) -> list[str]:
    """`python train.py` overrides for one litlab run; every deviation from the defaults is here."""
    total = args.warmup + args.epochs
    overrides = [
        "data=mnist",
        f"data.data_dir={data_dir}",
        f"data.batch_size={args.batch_size}",
        *NETS[net],
        f"trainer.max_epochs={total}",
        "trainer.min_epochs=null",
        "trainer.accelerator=cpu",
        # validation is off on both sides, so nothing monitors val/acc: no checkpoints
        # (file writes, not training) and no early stopping
        "trainer.limit_val_batches=0",
        "trainer.num_sanity_val_steps=0",
        "callbacks.model_checkpoint=null",
        "callbacks.last_checkpoint=null",
        "callbacks.early_stopping=null",
        "callbacks.model_summary=null",  # printed once before training
        "+trainer.enable_model_summary=false",
        "+trainer.enable_checkpointing=false",  # else Lightning adds its own ModelCheckpoint
        "print_config=false",
        f"seed={args.seed}",
    ]
    if args.limit_batches:
        overrides.append(f"trainer.limit_train_batches={args.limit_batches}")
    if not args.augment:
        overrides.append("~data.augment")  # the loop does no augmentation either
    if not args.progress_bar:
        overrides += ["callbacks.rich_progress_bar=null", "trainer.enable_progress_bar=false"]
    if args.no_logger:
        overrides.append("logger=null")
    return [*overrides, *args.overrides]


def compose_cfg(overrides: list[str], out_dir: str) -> DictConfig:
    """The config `python train.py <overrides> hydra.run.dir=<out_dir>` would run with."""
    with initialize_config_dir(conf_dir(), version_base="1.3"):
        cfg = compose(
            "train", overrides=[*overrides, f"hydra.run.dir={out_dir}"], return_hydra_config=True
        )
    cfg.hydra.runtime.output_dir = out_dir
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        cfg.paths.output_dir = out_dir
    return cfg


class Clock:
    """Marks (wall, CPU) times; the process's CPU time is what the work costs even when other
    jobs on a shared machine keep it waiting for a core (wall time counts the waiting too)."""

    def __init__(self) -> None:
        self.marks: list[tuple[float, float]] = []

    def mark(self) -> None:
        self.marks.append((time.perf_counter(), time.process_time()))

    def seconds(self, skip: int) -> list[tuple[float, float]]:
        """(wall, cpu) seconds between successive marks, after the first `skip`."""
        spans = [(b[0] - a[0], b[1] - a[1]) for a, b in pairwise(self.marks)]
        return spans[skip:]


class EpochTimer(pl.Callback):
    """Times every training epoch start to start, so epoch-end work is counted."""

    def __init__(self) -> None:
        self.clock = Clock()

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.clock.mark()

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.clock.mark()


def build_litlab(args: argparse.Namespace, net: str, data_dir: str) -> dict[str, Any]:
    """Datamodule, model and trainer exactly as litlab.train.train builds them."""
    out_dir = tempfile.mkdtemp(prefix=f"bench-{net}-")
    cfg = compose_cfg(litlab_overrides(args, net, data_dir), out_dir)
    pl.seed_everything(cfg.seed, verbose=False)
    datamodule = build_datamodule(cfg)
    model = build_model(cfg, datamodule.spec)
    loggers = build_loggers(cfg)
    timer = EpochTimer()
    callbacks = [*build_callbacks(cfg, with_logger=bool(loggers)), timer]
    trainer = build_trainer(cfg, callbacks, loggers)
    return {
        "cfg": cfg,
        "datamodule": datamodule,
        "model": model,
        "trainer": trainer,
        "timer": timer,
    }


def run_litlab(parts: dict[str, Any], args: argparse.Namespace) -> list[tuple[float, float]]:
    parts["trainer"].fit(parts["model"], datamodule=parts["datamodule"])
    return parts["timer"].clock.seconds(skip=args.warmup)


# ---------------------------------------------------------------------------------- loop
def run_loop(
    parts: dict[str, Any], net: torch.nn.Module, args: argparse.Namespace
) -> list[tuple[float, float]]:
    """The hand-written loop: same net, optimizer, schedule, batch size, steps and data."""
    dm = parts["datamodule"]
    images, labels = dm.train_set.tensors
    x_all = (images.float() / dm.max_value - dm.mean) / dm.std  # normalised once, up front
    y_all = labels.long()
    total = args.warmup + args.epochs
    optimizer = torch.optim.Adam(net.parameters(), **optimizer_kwargs(parts["cfg"]))
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total)
    steps = -(-len(x_all) // args.batch_size)
    if args.limit_batches:
        steps = min(steps, args.limit_batches)
    net.train()
    clock = Clock()
    for _ in range(total):
        clock.mark()
        order = torch.randperm(len(x_all))
        running = torch.zeros(())
        for step in range(steps):
            index = order[step * args.batch_size : (step + 1) * args.batch_size]
            loss = F.cross_entropy(net(x_all[index]), y_all[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            running += loss.detach()
        scheduler.step()
    clock.mark()
    return clock.seconds(skip=args.warmup)


def optimizer_kwargs(cfg: DictConfig) -> dict[str, Any]:
    opt = cfg.model.optimizer
    if opt._target_ != "torch.optim.Adam":
        raise SystemExit(f"the loop mirrors Adam; the config gives {opt._target_}")
    return {"lr": opt.lr, "weight_decay": opt.weight_decay}


def check_schedule(cfg: DictConfig) -> None:
    target = (cfg.model.get("scheduler") or {}).get("_target_")
    if target != "torch.optim.lr_scheduler.CosineAnnealingLR":
        raise SystemExit(f"the loop mirrors the cosine schedule; the config gives {target}")


# ---------------------------------------------------------------------------------- report
def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f})"


def bench_net(args: argparse.Namespace, net_name: str, data_dir: str) -> dict[str, float]:
    """Alternate litlab and loop runs; print and return the median seconds per epoch."""
    runs: dict[str, list[tuple[float, float]]] = {"litlab": [], "loop": []}
    for repeat in range(args.repeats):
        parts = build_litlab(args, net_name, data_dir)
        check_schedule(parts["cfg"])
        net = build_model(parts["cfg"], parts["datamodule"].spec).net
        net.load_state_dict(parts["model"].net.state_dict())  # same class, same initial weights
        order = ("litlab", "loop") if repeat % 2 == 0 else ("loop", "litlab")
        for side in order:
            epochs = run_litlab(parts, args) if side == "litlab" else run_loop(parts, net, args)
            wall = statistics.median(s[0] for s in epochs)
            cpu = statistics.median(s[1] for s in epochs)
            runs[side].append((wall, cpu))
            listed = " ".join(f"{s[0]:.3f}" for s in epochs)
            print(
                f"  {net_name} repeat {repeat + 1} {side:6s}: wall {listed} s/epoch (cpu {cpu:.3f})"
            )
    result = {}
    for k, clock in enumerate(("wall", "cpu")):
        lit = [r[k] for r in runs["litlab"]]
        loop = [r[k] for r in runs["loop"]]
        ratios = [a / b for a, b in zip(lit, loop, strict=True)]
        ratio = statistics.median(lit) / statistics.median(loop)
        print(f"{net_name} {clock} litlab : {spread(lit)} per epoch")
        print(f"{net_name} {clock} loop   : {spread(loop)} per epoch")
        print(
            f"{net_name} {clock} ratio litlab/loop: {ratio:.3f} "
            f"(per repeat {min(ratios):.3f} - {max(ratios):.3f})",
            flush=True,
        )
        result.update({f"{clock}_litlab": statistics.median(lit), f"{clock}_ratio": ratio})
    return result


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    os.environ.setdefault("MPLBACKEND", "Agg")
    data_dir = data_dir_or_random(args.data_dir)
    print(
        f"torch {torch.__version__}, pytorch-lightning {pl.__version__}, "
        f"{torch.get_num_threads()} threads, {os.cpu_count()} cpus, batch {args.batch_size}, "
        f"{args.warmup} warm-up + {args.epochs} timed epochs, {args.repeats} repeats, "
        f"data {data_dir}",
        flush=True,
    )
    for net in args.nets:
        bench_net(args, net, data_dir)


if __name__ == "__main__":
    main()
