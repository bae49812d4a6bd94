"""The floor of Lightning's own per-step cost: the bench's MLP in a bare LightningModule.

No logger, no callbacks but the epoch timer, no metrics; with `--log`, one per-step
`self.log` of the loss, as litlab's Classifier does. Compare with the `loop` CPU seconds that
bench_mnist.py prints.

    python bench/bare_lightning.py --repeats 2
"""

from __future__ import annotations

import argparse
import statistics

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from common import SHARED_DATA, EpochTimer

from litlab.data import MNISTDataModule
from litlab.nets import MLP


class Bare(pl.LightningModule):
    def __init__(self, log_loss: bool) -> None:
        super().__init__()
        self.net = MLP((1, 28, 28), 10, hidden=[64, 128, 64], batch_norm=True)
        self.log_loss = log_loss

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int):
        x, y = batch
        loss = F.cross_entropy(self.net(x), y)
        if self.log_loss:
            self.log("train/loss", loss, on_step=True, on_epoch=True, batch_size=len(y))
        return loss

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.parameters(), lr=1e-3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    for _ in range(args.repeats):
        for log_loss in (False, True):
            dm = MNISTDataModule(data_dir=str(SHARED_DATA), batch_size=128)
            timer = EpochTimer()
            trainer = pl.Trainer(
                max_epochs=args.epochs + 1,
                accelerator="cpu",
                logger=False,
                enable_checkpointing=False,
                enable_progress_bar=False,
                enable_model_summary=False,
                limit_val_batches=0,
                num_sanity_val_steps=0,
                callbacks=[timer],
            )
            trainer.fit(Bare(log_loss), datamodule=dm)
            epochs = timer.clock.seconds(skip=1)
            cpu = statistics.median(s[1] for s in epochs)
            print(f"bare lightning{' + self.log' if log_loss else ''}: cpu {cpu:.3f} s/epoch")


if __name__ == "__main__":
    main()
