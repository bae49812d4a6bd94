"""What litlab adds per step: its Classifier against a bare LightningModule, same everything else.

Both sides train bench_mnist.py's MLP (same initial weights) on the same `MNISTDataModule`
(so the data path, including its batch hooks, is the same), with the same Adam, batch size
and steps, under the same Trainer settings (validation off, no checkpoints). The bare module's
`training_step` is forward + cross-entropy + `self.log` of the loss each step, as any user's
module does; litlab's adds what a run reports: torchmetrics accuracy, the epoch means, the
cosine schedule, the default CSV logger and callbacks (finite-loss guard, figures).
Lightning's own per-step cost is on both sides, so the ratio is litlab's share alone (target:
at most 1.15).

    python bench/bare_lightning.py --epochs 3 --warmup 1 --repeats 3
"""

from __future__ import annotations

import argparse
from typing import Any

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from basics import write_rows
from bench_mnist import litlab_overrides, optimizer_kwargs
from common import (
    EpochTimer,
    Run,
    Spans,
    add_common_args,
    alternate,
    build_litlab,
    loop_rows,
    run_litlab,
    start,
)

from litlab.builders import build_model

NET = "mlp"  # bench_mnist.NETS: the net whose step is cheapest, so overhead shows most
TARGET = 1.15


class Bare(pl.LightningModule):
    """The floor: a net, its loss logged each step, an optimizer."""

    def __init__(self, net: torch.nn.Module, optimizer: dict[str, Any]) -> None:
        super().__init__()
        self.net = net
        self.optimizer_kwargs = optimizer

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int):
        x, y = batch
        loss = F.cross_entropy(self.net(x), y)
        self.log("train/loss", loss, on_step=True, on_epoch=False)
        return loss

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.parameters(), **self.optimizer_kwargs)


def run_bare(parts: dict[str, Any], args: argparse.Namespace) -> Spans:
    net = build_model(parts["cfg"], parts["datamodule"].spec).net
    net.load_state_dict(parts["model"].net.state_dict())  # same class, same initial weights
    timer = EpochTimer()
    trainer = pl.Trainer(
        max_epochs=args.warmup + args.epochs,
        accelerator="gpu" if args.device == "cuda" else "cpu",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        limit_val_batches=0,
        num_sanity_val_steps=0,
        limit_train_batches=args.limit_batches,
        callbacks=[timer],
    )
    trainer.fit(Bare(net, optimizer_kwargs(parts["cfg"])), datamodule=parts["datamodule"])
    return timer.clock.seconds(skip=args.warmup)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_args(parser, batch_size=128, augment_help="keep conf/data/mnist augmentation")
    args = parser.parse_args(argv)
    data_dir = start(args)

    def prepare() -> dict[str, Run]:
        parts = build_litlab(litlab_overrides(args, NET, data_dir), NET)
        return {
            "litlab": lambda: run_litlab(parts, args.warmup),
            "loop": lambda: run_bare(parts, args),
        }

    print("step: litlab's Classifier (litlab) against a bare LightningModule (loop)")
    result = alternate("step", args.repeats, prepare)
    write_rows(args.json, loop_rows(f"step/{NET}", result, "bare LightningModule", TARGET))


if __name__ == "__main__":
    main()
