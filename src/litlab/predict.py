"""`python predict.py ckpt_path=... inputs=DIR_OR_FILE` / `litlab-predict`: a trained model's
predictions on image files, as drawn images and one JSON file.

The checkpoint carries the model and the data's description, so any image is brought to what
the model trained on (channels, size by letterbox, normalisation). What gets written depends on
the task (`WRITERS`, keyed by the data's target kind): detectors draw their boxes and list them,
classifiers list class probabilities; another task adds a writer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig
from PIL import Image, ImageOps, UnidentifiedImageError

from litlab.callbacks.detections import label_font
from litlab.data.letterbox import Letterbox, letterbox
from litlab.data.spec import DataSpec
from litlab.errors import ConfigError, DataError
from litlab.models.base import LitModule
from litlab.utils.checkpoints import load_model

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


def image_files(inputs: str) -> list[Path]:
    """The image files named by `inputs` (a file, or a folder's images, sorted)."""
    path = Path(inputs)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise ConfigError(f"inputs={inputs} is neither an image file nor a folder.")
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"{path} holds no images ({', '.join(IMAGE_SUFFIXES)}).")
    return files


def load_image(path: Path, spec: DataSpec) -> tuple[Image.Image, torch.Tensor, Letterbox]:
    """The image as the model's data had it: grey or RGB, letterboxed to the input size."""
    try:
        with Image.open(path) as opened:
            # upright as the camera meant, as data=yolo_folder reads training images
            image = ImageOps.exif_transpose(opened).convert("L" if spec.channels == 1 else "RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise DataError(f"{path} is not an image that can be read ({exc}).") from exc
    _, height, width = spec.input_shape
    pixels, fit = letterbox(image, height, width)
    return image, pixels, fit


def model_input(pixels: torch.Tensor, spec: DataSpec) -> torch.Tensor:
    """uint8 (N, C, H, W) -> the normalised float batch the model trained on."""
    x = pixels.float() / 255.0
    if spec.mean:
        mean = torch.tensor(spec.mean).view(1, -1, 1, 1)
        std = torch.tensor(spec.std).view(1, -1, 1, 1)
        x = (x - mean) / std
    return x


def write_detections(model: LitModule, files: list[Path], out: Path, cfg: DictConfig) -> Path:
    """Each image with its boxes drawn (`out/<name>.png`) and `out/detections.json`: per file,
    boxes in the original image's pixels (x1, y1, x2, y2), class, name and score."""
    from torchvision.transforms.functional import pil_to_tensor
    from torchvision.utils import draw_bounding_boxes

    names = list(model.spec.class_names) or [str(i) for i in range(model.spec.num_classes)]
    results: dict[str, list[dict[str, Any]]] = {}
    for chunk in batches(files, cfg.batch_size):
        loaded = [load_image(f, model.spec) for f in chunk]
        x = model_input(torch.stack([pixels for _, pixels, _ in loaded]), model.spec)
        with torch.no_grad():
            found = model.detect(x.to(model.device), cfg.score_threshold)
        for path, (image, _, fit), det in zip(chunk, loaded, found, strict=True):
            boxes = fit.boxes_to_original(det["boxes"].cpu())
            boxes[:, 0::2] = boxes[:, 0::2].clamp(0, image.width)
            boxes[:, 1::2] = boxes[:, 1::2].clamp(0, image.height)
            labels, scores = det["labels"].tolist(), det["scores"].tolist()
            results[path.name] = [
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
            Image.fromarray(drawn.permute(1, 2, 0).numpy()).save(out / f"{path.stem}.png")
    return dump(results, out / "detections.json")


def write_classes(model: LitModule, files: list[Path], out: Path, cfg: DictConfig) -> Path:
    """`out/predictions.json`: per file, the most likely class and every class's probability."""
    names = list(model.spec.class_names) or [str(i) for i in range(model.spec.num_classes)]
    results: dict[str, dict[str, Any]] = {}
    for chunk in batches(files, cfg.batch_size):
        pixels = torch.stack([load_image(f, model.spec)[1] for f in chunk])
        with torch.no_grad():
            probabilities = model(model_input(pixels, model.spec).to(model.device)).softmax(1)
        for path, p in zip(chunk, probabilities.cpu(), strict=True):
            k = int(p.argmax())
            results[path.name] = {
                "class": k,
                "name": names[k],
                "probabilities": {n: round(float(v), 5) for n, v in zip(names, p, strict=True)},
            }
    return dump(results, out / "predictions.json")


WRITERS: dict[str, Callable[[LitModule, list[Path], Path, DictConfig], Path]] = {
    "boxes": write_detections,
    "class": write_classes,
}


def batches(items: list[Path], size: int) -> list[list[Path]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def dump(results: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(results, indent=1) + "\n")
    return path


def default_output(ckpt: Path, inputs: Path) -> Path:
    """`<run folder>/predictions/<inputs name>` for `<run folder>/checkpoints/*.ckpt`."""
    run = ckpt.parent.parent if ckpt.parent.name == "checkpoints" else ckpt.parent
    return run / "predictions" / (inputs.stem if inputs.is_file() else inputs.name)


def predict(cfg: DictConfig) -> Path:
    """Load the checkpoint's model, run it over the inputs, write what its task writes."""
    model = load_model(cfg.ckpt_path, cfg.device)
    target = type(model).__name__
    writer = WRITERS.get(model.spec.target)
    if model.spec.input_kind != "image" or writer is None:
        raise ConfigError(
            f"predict.py reads image files for detectors and image classifiers; "
            f"{target} on {model.spec.describe()} is not one of them."
        )
    files = image_files(str(cfg.inputs))
    ckpt = Path(str(cfg.ckpt_path))
    out = Path(cfg.out) if cfg.out else default_output(ckpt, Path(str(cfg.inputs)))
    out.mkdir(parents=True, exist_ok=True)
    written = writer(model, files, out, cfg)
    log.info("Predicted %d images; results in %s", len(files), written)
    print(written)
    return written
