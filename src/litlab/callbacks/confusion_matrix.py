"""Confusion matrix of the test set, for any model that keeps a `test_confmat` metric."""

from __future__ import annotations

import pytorch_lightning as pl
import torch
from matplotlib.figure import Figure
from pytorch_lightning.loggers import WandbLogger

from litlab.callbacks.figures import FigureCallback


def plot_confusion_matrix(matrix: torch.Tensor, class_names: list[str]) -> Figure:
    """Counts with row-normalised colour (true class per row), readable up to ~20 classes."""
    counts = matrix.cpu().numpy()
    rates = counts / counts.sum(axis=1, keepdims=True).clip(min=1)
    n = len(counts)
    size = min(4 + 0.45 * n, 14)
    fig = Figure(figsize=(size, size))
    ax = fig.subplots()
    ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    if n <= 20:
        ticks = range(n)
        ax.set_xticks(ticks, class_names, rotation=45, ha="right")
        ax.set_yticks(ticks, class_names)
        for i in range(n):
            for j in range(n):
                colour = "white" if rates[i, j] > 0.5 else "black"
                ax.text(j, i, int(counts[i, j]), ha="center", va="center", color=colour, size=8)
    accuracy = counts.trace() / max(counts.sum(), 1)
    ax.set(xlabel="predicted", ylabel="true", title=f"test confusion matrix (acc {accuracy:.4f})")
    return fig


class ConfusionMatrixFigure(FigureCallback):
    """Writes `figures/confusion_matrix.png` at the end of testing (and logs it as media)."""

    def draws_for(self, pl_module: pl.LightningModule) -> bool:
        return hasattr(pl_module, "test_confmat")

    def on_test_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not self.draws_for(pl_module):
            return
        metric = pl_module.test_confmat
        matrix = metric.compute()  # synchronised across processes
        metric.reset()
        names = list(pl_module.spec.class_names) or [str(i) for i in range(len(matrix))]
        self.save(trainer, plot_confusion_matrix(matrix, names), "confusion_matrix")
        if trainer.is_global_zero:
            for logger in trainer.loggers:
                if isinstance(logger, WandbLogger):
                    import wandb

                    # W&B's own confusion-matrix chart (wandb.plot.confusion_matrix's table),
                    # from the counts torchmetrics gathered across processes
                    table = wandb.Table(
                        columns=["Actual", "Predicted", "nPredictions"],
                        data=[
                            [names[i], names[j], int(matrix[i, j])]
                            for i in range(len(names))
                            for j in range(len(names))
                        ],
                    )
                    chart = wandb.plot_table(
                        "wandb/confusion_matrix/v1",
                        table,
                        {k: k for k in ("Actual", "Predicted", "nPredictions")},
                        {"title": "test confusion matrix"},
                    )
                    logger.experiment.log({"test/confusion_matrix": chart})
