"""YOLO-style single-stage detector for any boxes data."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn
from torchmetrics import MeanMetric

from litlab.data.detection import Targets
from litlab.metrics.mean_ap import MeanAveragePrecisionAnyCount
from litlab.metrics.running import RunningMean
from litlab.models.base import LitModule
from litlab.models.yolo_loss import Grids, YOLOLossWeights, decode_detections, yolo_loss

MAP_KEYS = {"map": "map", "map_50": "map_50", "map_75": "map_75"}
# pycocotools' own thresholds (float64, as its Params builds them): torchmetrics' float32 defaults
# put recall 0.3 below the threshold "0.3", so its mAP can differ from COCOeval's on the same boxes
COCO_THRESHOLDS = {
    "iou_thresholds": np.linspace(0.5, 0.95, 10).tolist(),
    "rec_thresholds": np.linspace(0.0, 1.0, 101).tolist(),
}


class Detector(LitModule):
    """A grid net (`model/net=yolo`: three levels; `yolo_small`: one) trained with `yolo_loss`,
    judged by COCO mAP.

    Logs `{stage}/loss` (and its box / objectness / classes parts), `val/map_50` (the monitor),
    `{val,test}/map`, `map_50`, `map_75` from torchmetrics' `MeanAveragePrecision` (synced
    across devices, whatever share of the images each holds), and keeps the test metric's
    precision table for the PR-curve figure.
    """

    inputs = ("image",)
    targets = ("boxes",)

    def __init__(
        self,
        spec: dict[str, Any],
        net: dict[str, Any],
        optimizer: dict[str, Any],
        scheduler: dict[str, Any] | None = None,
        loss_weights: dict[str, float] | None = None,
        center_radius: float = 2.5,
        level_span: float = 4.0,
        iou_objectness: bool = True,
        focal_gamma: float = 0.0,
        score_threshold: float = 0.05,
        nms_iou: float = 0.5,
        max_detections: int = 100,
        monitor: str = "val/map_50",
        mode: str = "max",
    ) -> None:
        super().__init__(spec, optimizer, scheduler, monitor, mode)
        self.save_hyperparameters()
        self.net = self.build_net(
            net, in_shape=self.spec.input_shape, num_classes=self.spec.num_classes
        )
        self.strides: tuple[int, ...] = tuple(self.net.strides)
        self.weights = YOLOLossWeights(**(loss_weights or {}))
        self.train_losses = nn.ModuleDict(
            {name: RunningMean() for name in ("loss", "box", "objectness", "classes")}
        )
        self.val_loss, self.test_loss = MeanMetric(), MeanMetric()
        self.val_map = MeanAveragePrecisionAnyCount(
            box_format="xyxy", iou_type="bbox", **COCO_THRESHOLDS
        )
        self.test_map = MeanAveragePrecisionAnyCount(
            box_format="xyxy",
            iou_type="bbox",
            class_metrics=True,
            extended_summary=True,
            **COCO_THRESHOLDS,
        )
        self.test_results: dict[str, Any] = {}

    def forward(self, x: torch.Tensor) -> Grids:
        """The raw grid (B, 5 + classes, H / stride, W / stride), or one per level."""
        return self.net(x)

    def detect(self, x: torch.Tensor, score_threshold: float | None = None) -> Targets:
        """Boxes, labels and scores per image, after per-class NMS."""
        h = self.hparams
        threshold = h.score_threshold if score_threshold is None else score_threshold
        return decode_detections(self(x), self.strides, threshold, h.nms_iou, h.max_detections)

    def losses(self, output: Grids, targets: Targets) -> dict[str, torch.Tensor]:
        h = self.hparams
        return yolo_loss(
            output,
            targets,
            self.strides,
            self.weights,
            h.center_radius,
            h.iou_objectness,
            h.focal_gamma,
            h.level_span,
        )

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, targets = batch
        parts = self.losses(self(x), targets)
        # per step the losses only accumulate (LitModule.log_step_values says why)
        for name, mean in self.train_losses.items():
            mean.update(parts[name].detach(), weight=len(x))
        self.log_step_values({"train/loss_step": parts["loss"]})
        return parts["loss"]

    def on_train_epoch_end(self) -> None:
        for name, mean in self.train_losses.items():
            self.log(
                "train/loss" if name == "loss" else f"train/{name}_loss",
                mean,
                prog_bar=name == "loss",
            )

    def evaluate(
        self, batch: Any, loss: MeanMetric, average_precision: MeanAveragePrecisionAnyCount
    ) -> None:
        x, targets = batch
        output = self(x)
        loss.update(self.losses(output, targets)["loss"], weight=len(x))
        h = self.hparams
        predictions = decode_detections(
            output, self.strides, h.score_threshold, h.nms_iou, h.max_detections
        )
        average_precision.update(predictions, targets)

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        self.evaluate(batch, self.val_loss, self.val_map)

    def on_validation_epoch_end(self) -> None:
        self.log("val/loss", self.val_loss, prog_bar=True)
        results = self.val_map.compute()  # already gathered from every device
        self.val_map.reset()
        for key, name in MAP_KEYS.items():
            self.log(f"val/{name}", results[key], prog_bar=name == "map_50", sync_dist=True)
        self.log_best("val/map_50", results["map_50"], mode="max")

    def test_step(self, batch: Any, batch_idx: int) -> None:
        self.evaluate(batch, self.test_loss, self.test_map)

    def on_test_epoch_end(self) -> None:
        self.log("test/loss", self.test_loss)
        results = self.test_map.compute()
        self.test_map.reset()
        for key, name in MAP_KEYS.items():
            self.log(f"test/{name}", results[key], sync_dist=True)
        self.test_results = {k: v.cpu() if torch.is_tensor(v) else v for k, v in results.items()}

    def predict_step(self, batch: Any, batch_idx: int) -> Targets:
        x = batch[0] if isinstance(batch, list | tuple) else batch
        return self.detect(x)
