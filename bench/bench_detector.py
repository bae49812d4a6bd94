"""Speed of litlab's detector training against a hand-written PyTorch loop on MNIST canvases.

Both sides train the detector's default net (same initial weights) with `yolo_loss`, the same
optimizer, schedule, batch size, number of steps and canvases, in this one process, and are
timed per epoch:

- litlab: the real `Detector` and `MNISTDetectionDataModule` (uint8 canvases with padded boxes,
  whole-batch indexing, scaling + normalisation + unpadding into torchvision targets in
  `on_after_batch_transfer`), built from the same Hydra config as
  `python train.py model=detector data=mnist_detection` through `litlab.builders`, with the
  default CSV logger, `log_every_n_steps: 10` and the per-step `finite_loss` callback; see
  `litlab_overrides`.
- loop: the datamodule's training canvases, scaled and normalised once up front with its
  mean/std, their targets unpadded once into one `{"boxes", "labels"}` dict per canvas,
  batches by shuffled index, forward / `yolo_loss` with the config's weights / backward / step,
  AdamW and the same cosine learning-rate schedule. With `--device cuda` the net, the canvases
  and their targets live on the GPU (litlab: trainer.accelerator=gpu).

Validation and augmentation are off on both sides (`model.augment=false`; `--augment` keeps
it on litlab's side only). Runs alternate as in bench_mnist.py; medians and spreads are printed.

    python bench/bench_detector.py --epochs 3 --warmup 1 --repeats 3 [--device cuda]
"""

from __future__ import annotations

import argparse
from typing import Any

import torch
from basics import write_rows
from common import (
    Clock,
    Run,
    Spans,
    StepCounts,
    add_common_args,
    alternate,
    build_litlab,
    check_schedule,
    loop_rows,
    runner_overrides,
    start,
)
from omegaconf import DictConfig

from litlab.builders import build_model
from litlab.models.yolo_loss import YOLOLossWeights, yolo_loss
from litlab.utils.config import plain

NAME = "detector"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_args(
        parser,
        batch_size=None,
        augment_help="keep the box-aware augmentation on litlab's side (the loop has none)",
    )
    parser.add_argument(
        "--canvases",
        type=int,
        default=None,
        help="training canvases (data.train_canvases) for quick runs; val/test shrink too",
    )
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------------- litlab
def litlab_overrides(args: argparse.Namespace, data_dir: str) -> list[str]:
    """`python train.py` overrides for one litlab run; every deviation from the defaults is here
    or in `common.runner_overrides`."""
    overrides = [
        "model=detector",
        "data=mnist_detection",
        f"data.data_dir={data_dir}",
        *runner_overrides(args),
    ]
    if args.batch_size:
        overrides.append(f"data.batch_size={args.batch_size}")
    if args.canvases:
        small = max(1, args.canvases // 8)  # never used here: validation and testing are off
        overrides += [
            f"data.train_canvases={args.canvases}",
            f"data.val_canvases={small}",
            f"data.test_canvases={small}",
        ]
    if not args.augment:
        overrides.append("model.augment=false")  # the loop does no augmentation either
    return [*overrides, *args.overrides]


# ---------------------------------------------------------------------------------- loop
def optimizer_kwargs(cfg: DictConfig) -> dict[str, Any]:
    """AdamW's arguments from the config (lr, weight_decay and anything else it sets)."""
    opt = dict(plain(cfg.model.optimizer))
    target = opt.pop("_target_")
    opt.pop("_partial_", None)
    if target != "torch.optim.AdamW":
        raise SystemExit(f"the loop mirrors AdamW; the config gives {target}")
    return opt


def scheduler_kwargs(cfg: DictConfig, total: int) -> dict[str, Any]:
    """CosineAnnealingLR's arguments, stepped per epoch over the run as litlab does."""
    check_schedule(cfg)
    sched = cfg.model.scheduler
    if sched.get("interval", "epoch") != "epoch":
        raise SystemExit(
            f"the loop steps the schedule per epoch; the config gives {sched.interval}"
        )
    return {"T_max": sched.get("T_max") or total, "eta_min": sched.get("eta_min", 0.0)}


def run_loop(
    parts: dict[str, Any], net: torch.nn.Module, args: argparse.Namespace
) -> tuple[Spans, int]:
    """The hand-written loop; returns the timed epochs and the number of optimizer steps."""
    cfg, dm = parts["cfg"], parts["datamodule"]
    m = cfg.model
    device = torch.device(args.device)
    tensors = tuple(t.to(device) for t in dm.train_set.tensors)
    # scaled and normalised once, up front; one {"boxes", "labels"} dict per canvas
    x_all, targets = dm.prepare_batch(tensors)
    weights = YOLOLossWeights(**plain(m.loss_weights))
    total = args.warmup + args.epochs
    optimizer = torch.optim.AdamW(net.parameters(), **optimizer_kwargs(cfg))
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, **scheduler_kwargs(cfg, total)
    )
    batch = dm.device_batch_size
    steps = -(-len(x_all) // batch)
    if args.limit_batches:
        steps = min(steps, args.limit_batches)
    net.train()
    clock, done = Clock(), 0
    for _ in range(total):
        clock.mark()
        order = torch.randperm(len(x_all))  # on the CPU: it only picks the target dicts
        running = torch.zeros((), device=device)
        for step in range(steps):
            index = order[step * batch : (step + 1) * batch]
            batch_targets = [targets[i] for i in index.tolist()]
            loss = yolo_loss(
                net(x_all[index]),
                batch_targets,
                net.strides,
                weights,
                m.center_radius,
                m.iou_objectness,
                m.focal_gamma,
                m.level_span,
            )["loss"]
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            running += loss.detach()
            done += 1
        scheduler.step()
    clock.mark()
    return clock.seconds(skip=args.warmup), done


# ---------------------------------------------------------------------------------- report
def same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def bench(args: argparse.Namespace, data_dir: str) -> dict[str, float]:
    """Alternate litlab and loop runs; print the medians, then check that both sides ran the
    same number of steps from the same initial weights."""
    counts = StepCounts()

    def prepare() -> dict[str, Run]:
        parts = build_litlab(litlab_overrides(args, data_dir), NAME)
        check_schedule(parts["cfg"])
        net = build_model(parts["cfg"], parts["datamodule"].spec).net
        net.load_state_dict(parts["model"].net.state_dict())  # same class, same initial weights
        if not same_weights(net, parts["model"].net):
            raise SystemExit("the loop's net does not start from litlab's weights")
        net.to(args.device)
        return counts.sides(parts, args.warmup, lambda: run_loop(parts, net, args))

    result = alternate(NAME, args.repeats, prepare)
    counts.check(NAME)
    write_rows(args.json, loop_rows(NAME, result))
    return result


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    data_dir = start(args)
    bench(args, data_dir)


if __name__ == "__main__":
    main()
