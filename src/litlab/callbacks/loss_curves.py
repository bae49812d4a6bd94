"""Loss and monitored-metric curves per epoch, drawn when fitting ends."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytorch_lightning as pl
from matplotlib.figure import Figure

from litlab.callbacks.figures import FigureCallback


class LossCurves(FigureCallback):
    """Records epoch-level `train/*` and `val/*` metrics and writes `figures/loss_curves.png`
    (not in a `fast_dev_run`)."""

    def __init__(self, figures_dir: str = "figures", metrics: list[str] | None = None) -> None:
        super().__init__(figures_dir)
        self.metrics = metrics
        self.history: dict[str, list[tuple[int, float]]] = defaultdict(list)

    # the curves so far travel in checkpoints, so a resumed run draws its whole history
    def state_dict(self) -> dict[str, Any]:
        return {"history": {name: list(points) for name, points in self.history.items()}}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        for name, points in state_dict.get("history", {}).items():
            self.history[name] = [(int(epoch), float(value)) for epoch, value in points]

    # train-epoch metrics reach callback_metrics only after on_train_epoch_end, so they are
    # read at the start of the next epoch (and when fitting ends)
    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.current_epoch > 0:
            self.record(trainer, "train/", trainer.current_epoch - 1)

    # on_validation_epoch_end would be too early: Lightning calls callbacks' hook before the
    # model's, where the epoch's values are logged; on_validation_end comes after both
    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not trainer.sanity_checking:
            self.record(trainer, "val/", trainer.current_epoch)

    def on_fit_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.record(trainer, "train/", trainer.current_epoch - 1)
        self.draw(trainer)

    def record(self, trainer: pl.Trainer, prefix: str, epoch: int) -> None:
        for name, value in trainer.callback_metrics.items():
            if not name.startswith(prefix) or name.endswith(("_step", "_best")):
                continue
            points = self.history[name.removesuffix("_epoch")]
            if value.numel() != 1:
                continue
            if points and points[-1][0] == epoch:  # validated again within the epoch: latest
                points.pop()
            if not points or points[-1][0] < epoch:
                points.append((epoch, float(value)))

    def on_exception(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, exc: BaseException
    ) -> None:
        self.draw(trainer)

    def draw(self, trainer: pl.Trainer) -> None:
        names = self.metrics or sorted({n.split("/", 1)[1] for n in self.history})
        # a fast_dev_run is one step: no curve, and like Lightning's loggers it records nothing
        if not names or not self.history or trainer.fast_dev_run:
            return
        fig = Figure(figsize=(5 * min(len(names), 3), 3.6 * ((len(names) + 2) // 3)))
        axes = fig.subplots((len(names) + 2) // 3, min(len(names), 3), squeeze=False).flatten()
        for ax, name in zip(axes, names, strict=False):
            for stage in ("train", "val"):
                points = self.history.get(f"{stage}/{name}")
                if points:
                    epochs, values = zip(*points, strict=True)
                    ax.plot(epochs, values, marker="o", label=stage)
            ax.set(title=name, xlabel="epoch")
            ax.legend()
        for ax in axes[len(names) :]:
            ax.axis("off")
        fig.tight_layout()
        self.save(trainer, fig, "loss_curves")
