"""Detector predictions: each image with its boxes drawn, and the boxes as JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig
from PIL import Image

from litlab.callbacks.detections import label_font
from litlab.models.base import LitModule
from litlab.predictions.images import load_image, model_input
from litlab.predictions.output import batches, dump


def write_detections(model: LitModule, files: list[Path], out: Path, cfg: DictConfig) -> Path:
    """Each image with its boxes drawn (`out/<name>.png`) and `out/detections.json`: per file,
    boxes in the original image's pixels (x1, y1, x2, y2), class, name and score. Images of
    any size are letterboxed to the training size (the detector's contract)."""
    from torchvision.transforms.functional import pil_to_tensor
    from torchvision.utils import draw_bounding_boxes

    names = list(model.spec.class_names) or [str(i) for i in range(model.spec.num_classes)]
    results: dict[str, list[dict[str, Any]]] = {}
    out.mkdir(parents=True, exist_ok=True)
    for chunk in batches(files, cfg.batch_size):
        loaded = [load_image(f, model.spec) for f in chunk]
        x = model_input(torch.stack([item.pixels for item in loaded]), model.spec)
        with torch.no_grad():
            found = model.detect(x.to(model.device), cfg.score_threshold)
        for item, det in zip(loaded, found, strict=True):
            image = item.image
            boxes = item.fit.boxes_to_original(det["boxes"].cpu())
            boxes[:, 0::2] = boxes[:, 0::2].clamp(0, image.width)
            boxes[:, 1::2] = boxes[:, 1::2].clamp(0, image.height)
            labels, scores = det["labels"].tolist(), det["scores"].tolist()
            results[item.path.name] = [
                {
                    "box": [round(v, 2) for v in box],
                    "class": k,
                    "name": names[k],
                    "score": round(s, 4),
                }
                for box, k, s in zip(boxes.tolist(), labels, scores, strict=True)
            ]
            drawn = pil_to_tensor(image.convert("RGB"))
            if len(boxes):
                drawn = draw_bounding_boxes(
                    drawn,
                    boxes,
                    [f"{names[k]} {s:.2f}" for k, s in zip(labels, scores, strict=True)],
                    colors="#ff3030",
                    width=max(1, round(max(image.size) / 160)),
                    font=label_font(),
                    font_size=max(10, round(max(image.size) / 24)),
                )
            Image.fromarray(drawn.permute(1, 2, 0).numpy()).save(out / f"{item.path.stem}.png")
    return dump(results, out / "detections.json")
