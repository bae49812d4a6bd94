"""Detector predictions: each image with its boxes drawn, and the boxes in three forms people
use: `detections.json` (per file, pixels), YOLO label files (`labels/<image>.txt`, what
ultralytics' `save_txt` writes) and COCO's results JSON (`coco_results.json`, what
pycocotools' `COCO.loadRes` and COCOeval read)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig
from PIL import Image

from litlab.callbacks.detections import label_font
from litlab.models.base import LitModule
from litlab.predictions.images import load_image, model_input
from litlab.predictions.output import batches, dump

COCO_RESULTS = "coco_results.json"
ROBOFLOW_COCO = "_annotations.coco.json"


def coco_image_ids(folder: Path) -> dict[str, Any]:
    """File name -> image id, from the COCO JSON that describes the images of `folder`:
    `annotations/instances_<split>.json` for `images/<split>`, or Roboflow's
    `_annotations.coco.json` inside it; empty when there is none."""
    candidates = [folder / ROBOFLOW_COCO]
    if folder.parent.name == "images":
        candidates.append(folder.parent.parent / "annotations" / f"instances_{folder.name}.json")
    for file in candidates:
        if file.is_file():
            try:
                images = json.loads(file.read_text(encoding="utf-8")).get("images", [])
                return {str(im["file_name"]): im["id"] for im in images}
            except (ValueError, AttributeError, KeyError, TypeError):
                return {}
    return {}


def image_id(path: Path, known: dict[str, Any]) -> Any:
    """The image's COCO id when its folder's annotations name it, else its file stem (an
    integer when it is one, as ultralytics does)."""
    if path.name in known:
        return known[path.name]
    return int(path.stem) if path.stem.isdigit() else path.stem


def yolo_lines(boxes: torch.Tensor, labels: list[int], scores: list[float], w: int, h: int) -> str:
    """`class cx cy w h score` lines, the box normalised by the image's width and height."""
    lines = []
    for (x1, y1, x2, y2), k, s in zip(boxes.tolist(), labels, scores, strict=True):
        cx, cy, bw, bh = (x1 + x2) / 2 / w, (y1 + y2) / 2 / h, (x2 - x1) / w, (y2 - y1) / h
        lines.append(f"{k} {cx:.6f} {cy:.6f} {bw:.6f} {bh:.6f} {s:.5f}\n")
    return "".join(lines)


def write_detections(model: LitModule, files: list[Path], out: Path, cfg: DictConfig) -> Path:
    """Each image with its boxes drawn (`out/<name>.png`), and its boxes in the original
    image's pixels three ways: `out/detections.json` (per file x1, y1, x2, y2, class, name,
    score), `out/labels/<name>.txt` (YOLO: class cx cy w h score, normalised) and
    `out/coco_results.json` (COCO: image_id, category_id in the data's own ids, bbox x y w h,
    score). Images of any size are letterboxed to the training size (the detector's contract)."""
    from torchvision.transforms.functional import pil_to_tensor
    from torchvision.utils import draw_bounding_boxes

    names = list(model.spec.class_names) or [str(i) for i in range(model.spec.num_classes)]
    category_ids = model.spec.extra.get("category_ids") or list(range(len(names)))
    results: dict[str, list[dict[str, Any]]] = {}
    coco: list[dict[str, Any]] = []
    ids_of: dict[Path, dict[str, Any]] = {}
    out.mkdir(parents=True, exist_ok=True)
    (out / "labels").mkdir(exist_ok=True)
    for chunk in batches(files, cfg.batch_size):
        loaded = [load_image(f, model.spec) for f in chunk]
        x = model_input(torch.stack([item.pixels for item in loaded]), model.spec)
        with torch.no_grad():
            found = model.detect(x.to(model.device), cfg.score_threshold)
        for item, det in zip(loaded, found, strict=True):
            image = item.image
            boxes = item.fit.boxes_to_original(det["boxes"].cpu().double())
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
            lines = yolo_lines(boxes, labels, scores, image.width, image.height)
            (out / "labels" / f"{item.path.stem}.txt").write_text(lines)
            folder = item.path.parent
            if folder not in ids_of:
                ids_of[folder] = coco_image_ids(folder)
            identity = image_id(item.path, ids_of[folder])
            coco.extend(
                {
                    "image_id": identity,
                    "category_id": category_ids[k],
                    "bbox": [round(x1, 3), round(y1, 3), round(x2 - x1, 3), round(y2 - y1, 3)],
                    "score": round(s, 5),
                }
                for (x1, y1, x2, y2), k, s in zip(boxes.tolist(), labels, scores, strict=True)
            )
            drawn = pil_to_tensor(image.convert("RGB"))
            if len(boxes):
                drawn = draw_bounding_boxes(
                    drawn,
                    boxes.float(),
                    [f"{names[k]} {s:.2f}" for k, s in zip(labels, scores, strict=True)],
                    colors="#ff3030",
                    width=max(1, round(max(image.size) / 160)),
                    font=label_font(),
                    font_size=max(10, round(max(image.size) / 24)),
                )
            Image.fromarray(drawn.permute(1, 2, 0).numpy()).save(out / f"{item.path.stem}.png")
    (out / COCO_RESULTS).write_text(json.dumps(coco) + "\n")
    return dump(results, out / "detections.json")
