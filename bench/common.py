"""What the benches share: options, the MNIST-or-random data folder, the litlab side built as
`python train.py` builds it, the clocks, and the alternating runner with its median/ratio report.

Each bench (bench_mnist.py, bench_detector.py) adds its own config overrides and its own
hand-written loop; everything here is the same for both, so their numbers compare alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import pytorch_lightning as pl
import torch
from basics import SHARED_DATA, data_dir_or_random
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
from litlab.preflight import without_null_groups

Spans = list[tuple[float, float]]  # (wall, cpu) seconds of each timed epoch
Run = Callable[[], Spans]


# ---------------------------------------------------------------------------------- options
def add_common_args(
    parser: argparse.ArgumentParser, batch_size: int | None, augment_help: str
) -> None:
    """The options every bench takes; `batch_size` None means the config's."""
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per run")
    parser.add_argument("--warmup", type=int, default=1, help="untimed epochs first in each run")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each side per net")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=batch_size,
        help=None if batch_size else "both sides; default: the config's",
    )
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
    parser.add_argument("--augment", action="store_true", help=augment_help)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--device",
        choices=("cpu", "cuda"),
        default="cpu",
        help="where both sides train; cuda: litlab with trainer.accelerator=gpu",
    )
    parser.add_argument(
        "--json", default=None, help="also append the result rows to this file (bench/run_all.py)"
    )
    parser.add_argument(
        "overrides", nargs="*", help="extra train.py overrides for litlab's side (key=value)"
    )


def start(args: argparse.Namespace) -> str:
    """Set the threads, print what is timed, and return the data folder to use."""
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: torch sees no CUDA device on this machine")
    if args.threads:
        torch.set_num_threads(args.threads)
    os.environ.setdefault("MPLBACKEND", "Agg")
    data_dir = data_dir_or_random(args.data_dir)
    print(
        f"torch {torch.__version__}, pytorch-lightning {pl.__version__}, "
        f"{torch.get_num_threads()} threads, {os.cpu_count()} cpus, device {device_name(args)}, "
        f"batch {args.batch_size or 'from the config'}, "
        f"{args.warmup} warm-up + {args.epochs} timed epochs, {args.repeats} repeats, "
        f"data {data_dir}",
        flush=True,
    )
    return data_dir


def device_name(args: argparse.Namespace) -> str:
    return torch.cuda.get_device_name() if args.device == "cuda" else "cpu"


# ---------------------------------------------------------------------------------- litlab
def runner_overrides(args: argparse.Namespace) -> list[str]:
    """The trainer and callback overrides both benches apply to `python train.py`."""
    overrides = [
        f"trainer.max_epochs={args.warmup + args.epochs}",
        "trainer.min_epochs=null",
        f"trainer.accelerator={'gpu' if args.device == 'cuda' else 'cpu'}",
        "trainer.devices=1",
        # validation is off on both sides, so nothing monitors the metric: no checkpoints
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
    if not args.progress_bar:
        overrides += ["callbacks.rich_progress_bar=null", "trainer.enable_progress_bar=false"]
    if args.no_logger:
        overrides.append("logger=null")
    return overrides


def compose_cfg(overrides: list[str], out_dir: str) -> DictConfig:
    """The config `python train.py <overrides> hydra.run.dir=<out_dir>` would run with
    (`group=null` removes the group, as train.py reads it)."""
    overrides = [*without_null_groups(overrides), f"hydra.run.dir={out_dir}"]
    with initialize_config_dir(conf_dir(), version_base="1.3"):
        cfg = compose("train", overrides=overrides, return_hydra_config=True)
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
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            torch.cuda.synchronize()  # count the queued GPU work, not just its launch
        self.marks.append((time.perf_counter(), time.process_time()))

    def seconds(self, skip: int) -> Spans:
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


def build_litlab(overrides: list[str], tag: str) -> dict[str, Any]:
    """Config, datamodule, model and trainer as litlab.tasks.train.fit_and_test builds them."""
    out_dir = tempfile.mkdtemp(prefix=f"bench-{tag}-")
    cfg = compose_cfg(overrides, out_dir)
    pl.seed_everything(cfg.seed, verbose=False)
    datamodule = build_datamodule(cfg)
    model = build_model(cfg, datamodule.spec)
    loggers = build_loggers(cfg)
    timer = EpochTimer()
    callbacks = [*build_callbacks(cfg, model, with_logger=bool(loggers)), timer]
    trainer = build_trainer(cfg, callbacks, loggers)
    return {
        "cfg": cfg,
        "datamodule": datamodule,
        "model": model,
        "trainer": trainer,
        "timer": timer,
    }


def run_litlab(parts: dict[str, Any], warmup: int) -> Spans:
    parts["trainer"].fit(parts["model"], datamodule=parts["datamodule"])
    return parts["timer"].clock.seconds(skip=warmup)


class StepCounts:
    """The optimizer steps each side ran, per repeat: both sides must run the same number."""

    def __init__(self) -> None:
        self.steps: dict[str, list[int]] = {"litlab": [], "loop": []}

    def sides(self, parts: dict[str, Any], warmup: int, loop: Callable[[], tuple[Spans, int]]):
        """One repeat's two runs (for `alternate`); `loop` returns its spans and its steps."""

        def litlab() -> Spans:
            spans = run_litlab(parts, warmup)
            self.steps["litlab"].append(parts["trainer"].global_step)
            return spans

        def hand_loop() -> Spans:
            spans, done = loop()
            self.steps["loop"].append(done)
            return spans

        return {"litlab": litlab, "loop": hand_loop}

    def check(self, name: str) -> None:
        print(
            f"{name} steps per run: litlab {self.steps['litlab']}, loop {self.steps['loop']}; "
            "identical initial weights in every repeat"
        )
        if self.steps["litlab"] != self.steps["loop"]:
            raise SystemExit("litlab and the loop ran different numbers of steps")


def check_schedule(cfg: DictConfig) -> None:
    """The loops mirror a per-epoch cosine schedule over the whole run; refuse anything else."""
    target = (cfg.model.get("scheduler") or {}).get("_target_")
    if target != "torch.optim.lr_scheduler.CosineAnnealingLR":
        raise SystemExit(f"the loop mirrors the cosine schedule; the config gives {target}")


# ---------------------------------------------------------------------------------- report
def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f})"


def alternate(name: str, repeats: int, prepare: Callable[[], dict[str, Run]]) -> dict[str, float]:
    """Run both sides `repeats` times, alternating (litlab, loop, loop, litlab, ...) so drift on
    a shared machine hits both alike; `prepare` builds one repeat's fresh `litlab` and `loop`
    runs. Prints each run, then per clock each side's epochs and the ratio litlab/loop.

    Each run's figure is its fastest timed epoch: other work on the machine only adds time,
    so that epoch is the least disturbed one (timeit's advice). The machine's own speed also
    drifts, by up to 30% here over a minute, and a side that met a fast spell once would win
    an overall fastest-against-fastest comparison. So the ratio is paired: per repeat, the two
    sides' runs are next to each other in time, and the row is the repeat whose ratio is the
    median (the lower of the two middle ones for an even count). The overall fastest epochs'
    ratio and the medians' ratio are printed beside it.
    """
    epochs: dict[str, list[Spans]] = {"litlab": [], "loop": []}
    for repeat in range(repeats):
        sides = prepare()
        order = ("litlab", "loop") if repeat % 2 == 0 else ("loop", "litlab")
        for side in order:
            spans = sides[side]()
            epochs[side].append(spans)
            cpu = statistics.median(s[1] for s in spans)
            listed = " ".join(f"{s[0]:.3f}" for s in spans)
            print(f"  {name} repeat {repeat + 1} {side:6s}: wall {listed} s/epoch (cpu {cpu:.3f})")
    result = {}
    for k, clock in enumerate(("wall", "cpu")):
        pairs = [
            (min(s[k] for s in lit), min(s[k] for s in loop))
            for lit, loop in zip(epochs["litlab"], epochs["loop"], strict=True)
        ]
        ratios = [a / b for a, b in pairs]
        litlab, loop = pairs[ratios.index(statistics.median_low(ratios))]
        every_lit = [s[k] for spans in epochs["litlab"] for s in spans]
        every_loop = [s[k] for spans in epochs["loop"] for s in spans]
        print(f"{name} {clock} litlab : {spread(every_lit)} per epoch")
        print(f"{name} {clock} loop   : {spread(every_loop)} per epoch")
        print(
            f"{name} {clock} ratio litlab/loop: {litlab / loop:.3f} median repeat "
            f"(per repeat {' '.join(f'{r:.3f}' for r in ratios)}; "
            f"{min(every_lit) / min(every_loop):.3f} fastest epochs overall, "
            f"{statistics.median(every_lit) / statistics.median(every_loop):.3f} medians)",
            flush=True,
        )
        result.update(
            {
                f"{clock}_litlab": litlab,
                f"{clock}_loop": loop,
                f"{clock}_ratio": litlab / loop,
                f"{clock}_lowest": min(ratios),
                f"{clock}_highest": max(ratios),
            }
        )
    return result


LOOP_TARGET = 1.10  # litlab may take at most 10% longer per epoch than the hand-written loop


def loop_rows(
    bench: str,
    result: dict[str, float],
    reference_name: str = "hand-written loop",
    target: float | None = LOOP_TARGET,
) -> list[dict[str, Any]]:
    """The cpu and wall rows of one `alternate` result, for `write_rows` (target None: a row
    for information, with no target of its own); `per_repeat` is the range of the paired
    ratios, so a reader can tell a clear miss from one inside the machine's own noise."""
    return [
        {
            "bench": bench,
            "measure": f"{clock} s/epoch",
            "litlab": result[f"{clock}_litlab"],
            "reference": result[f"{clock}_loop"],
            "reference_name": reference_name,
            "ratio": result[f"{clock}_ratio"],
            "per_repeat": [result[f"{clock}_lowest"], result[f"{clock}_highest"]],
            "target": target,
        }
        for clock in ("cpu", "wall")
    ]
