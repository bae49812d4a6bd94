"""Speed of litlab's training loop against a hand-written PyTorch loop on MNIST.

Both sides train the same net (same initial weights), with the same optimizer, batch size,
number of steps and data, in this one process, and are timed per epoch:

- litlab: the real `Classifier` and `MNISTDataModule` (uint8 tensors, whole-batch indexing,
  scaling + normalisation in `on_after_batch_transfer`), built from the same Hydra config as
  `python train.py data=mnist` through `litlab.builders`, with the default CSV logger,
  `log_every_n_steps: 10` and the per-step `finite_loss` callback; see `litlab_overrides`.
- loop: the same tensors, scaled and normalised once up front, batches by shuffled index,
  forward / cross-entropy / backward / step, and the same cosine learning-rate schedule.
  With `--device cuda` the net and the tensors live on the GPU (litlab: trainer.accelerator=gpu).

Validation is off on both sides. The machine may be shared, so runs alternate
(litlab, loop, loop, litlab, ...), the first epochs of every run are warm-up, and medians and
spreads are printed.

    python bench/bench_mnist.py --epochs 3 --warmup 1 --repeats 3 [--device cuda]
"""

from __future__ import annotations

import argparse
from typing import Any

import torch
import torch.nn.functional as F
from basics import write_rows
from common import (
    LOOP_TARGET,
    Clock,
    Run,
    Spans,
    add_common_args,
    alternate,
    build_litlab,
    check_schedule,
    loop_rows,
    run_litlab,
    runner_overrides,
    start,
)
from omegaconf import DictConfig

from litlab.builders import build_model

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
    add_common_args(parser, batch_size=128, augment_help="keep conf/data/mnist augmentation")
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------------- litlab
def litlab_overrides(args: argparse.Namespace, net: str, data_dir: str) -> list[str]:
    """`python train.py` overrides for one litlab run; every deviation from the defaults is here
    or in `common.runner_overrides`."""
    overrides = [
        "data=mnist",
        f"data.data_dir={data_dir}",
        f"data.batch_size={args.batch_size}",
        *NETS[net],
        *runner_overrides(args),
    ]
    if not args.augment:
        overrides.append("~data.augment")  # the loop does no augmentation either
    return [*overrides, *args.overrides]


# ---------------------------------------------------------------------------------- loop
def run_loop(parts: dict[str, Any], net: torch.nn.Module, args: argparse.Namespace) -> Spans:
    """The hand-written loop: same net, optimizer, schedule, batch size, steps and data."""
    dm, device = parts["datamodule"], torch.device(args.device)
    tensors = tuple(t.to(device) for t in dm.train_set.tensors)
    x_all, y_all = dm.prepare_batch(tensors)  # scaled and normalised once, up front
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
        order = torch.randperm(len(x_all), device=device)
        running = torch.zeros((), device=device)
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


# ---------------------------------------------------------------------------------- report
def bench_net(args: argparse.Namespace, net_name: str, data_dir: str) -> dict[str, float]:
    """Alternate litlab and loop runs; print and return the median seconds per epoch."""

    def prepare() -> dict[str, Run]:
        parts = build_litlab(litlab_overrides(args, net_name, data_dir), net_name)
        check_schedule(parts["cfg"])
        net = build_model(parts["cfg"], parts["datamodule"].spec).net
        net.load_state_dict(parts["model"].net.state_dict())  # same class, same initial weights
        net.to(args.device)
        return {
            "litlab": lambda: run_litlab(parts, args.warmup),
            "loop": lambda: run_loop(parts, net, args),
        }

    result = alternate(net_name, args.repeats, prepare)
    # the MLP's target is against a bare LightningModule (bare_lightning.py): against a
    # hand-written loop its ~3 ms step mostly shows Lightning's own per-step floor
    target = None if net_name == "mlp" else LOOP_TARGET
    write_rows(args.json, loop_rows(f"mnist/{net_name}", result, target=target))
    return result


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    data_dir = start(args)
    for net in args.nets:
        bench_net(args, net, data_dir)


if __name__ == "__main__":
    main()
