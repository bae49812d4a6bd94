"""Detection figures: test images with predicted boxes beside the ground truth, and the
precision-recall curve behind test mAP@0.5."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytorch_lightning as pl
import torch
from matplotlib import font_manager
from matplotlib.figure import Figure
from torchvision.utils import draw_bounding_boxes, make_grid

from litlab.callbacks.figures import FigureCallback
from litlab.data.detection import Targets

PREDICTED, TRUTH = "#ff3030", "#30d030"


@cache
def label_font() -> str:
    """A TrueType font that is always there (matplotlib's DejaVu Sans), so labels can be read;
    torchvision's built-in bitmap font is a few pixels high."""
    return font_manager.findfont("DejaVu Sans")


def draw_detections(
    images: torch.Tensor,
    detections: Targets,
    names: list[str],
    zoom: int = 3,
    colour: str = PREDICTED,
) -> torch.Tensor:
    """uint8 (N, C, H, W) images with their boxes drawn, enlarged `zoom` times so the labels
    read; a box with a score is labelled 'name score'. Returns uint8 (N, 3, zH, zW)."""
    out = []
    for image, found in zip(images, detections, strict=True):
        big = image.repeat_interleave(zoom, -1).repeat_interleave(zoom, -2)
        if big.shape[0] == 1:
            big = big.expand(3, -1, -1)
        scores = found.get("scores")
        labels = [
            names[int(k)] + (f" {float(scores[i]):.2f}" if scores is not None else "")
            for i, k in enumerate(found["labels"])
        ]
        boxes = found["boxes"].detach().cpu().float() * zoom
        if len(boxes) == 0:
            out.append(big.clone())
            continue
        out.append(
            draw_bounding_boxes(
                big, boxes, labels, colors=colour, width=2, font=label_font(), font_size=5 * zoom
            )
        )
    return torch.stack(out) if out else images


def plot_precision_recall(precision: torch.Tensor, names: list[str]) -> Figure:
    """COCO precision table (IoU thresholds, recall points, classes, areas, max detections)
    at IoU 0.5, all areas, the most detections: one faint line per class, the mean in bold."""
    # (101 recall points, classes); -1 where a class is absent
    table = precision[0, :, :, 0, -1].cpu().numpy()
    recall = np.linspace(0, 1, table.shape[0])
    fig = Figure(figsize=(5.5, 4.5))
    ax = fig.subplots()
    present = [k for k in range(table.shape[1]) if (table[:, k] >= 0).all()]
    for k in present:
        ax.plot(
            recall, table[:, k], lw=0.8, alpha=0.45, label=f"{names[k]} ({table[:, k].mean():.3f})"
        )
    if present:
        mean = table[:, present].mean(axis=1)
        ax.plot(recall, mean, lw=2.2, color="black", label=f"mean (AP50 {mean.mean():.3f})")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02))
    ax.set_title("test precision-recall at IoU 0.5")
    ax.legend(fontsize=7, loc="lower left", ncol=2)
    return fig


class DetectionFigures(FigureCallback):
    """After testing, writes `figures/detections.png` (predictions at `draw_threshold` or above,
    beside the ground truth, on the first `num_images` test images) and
    `figures/precision_recall.png`; for models with `detect()` and `test_results`."""

    def __init__(
        self, figures_dir: str = "figures", num_images: int = 8, draw_threshold: float = 0.3
    ) -> None:
        super().__init__(figures_dir)
        self.num_images = num_images
        self.draw_threshold = draw_threshold

    def draws_for(self, pl_module: pl.LightningModule) -> bool:
        return hasattr(pl_module, "detect")

    def on_test_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not self.draws_for(pl_module) or not trainer.is_global_zero:
            return
        names = list(pl_module.spec.class_names) or [
            str(i) for i in range(pl_module.spec.num_classes)
        ]
        precision = getattr(pl_module, "test_results", {}).get("precision")
        if precision is not None:
            self.save(trainer, plot_precision_recall(precision, names), "precision_recall")
        datamodule = trainer.datamodule
        test_set = getattr(datamodule, "test_set", None)
        if test_set is None or len(test_set) == 0:
            return
        index = list(range(min(self.num_images, len(test_set))))
        batch = test_set.__getitems__(index)
        x, truth = datamodule.prepare_batch(batch, augment=False)
        with torch.no_grad():
            found = pl_module.detect(x.to(pl_module.device), self.draw_threshold)
        images = batch[0]
        pairs = torch.stack(
            [
                draw_detections(images, found, names),
                draw_detections(images, truth, names, colour=TRUTH),
            ],
            dim=1,
        ).flatten(0, 1)  # predicted, truth, predicted, truth, ...
        grid = make_grid(pairs, nrow=4, padding=4, pad_value=255)
        fig = Figure(figsize=(grid.shape[2] / 110, grid.shape[1] / 110 + 0.4))
        ax = fig.subplots()
        ax.imshow(grid.permute(1, 2, 0).numpy())
        ax.set_axis_off()
        ax.set_title(
            f"test images: predicted (red, score >= {self.draw_threshold}) | ground truth (green)",
            fontsize=9,
        )
        self.save(trainer, fig, "detections")
