"""Image classifier predictions: each file's most likely class and every class's probability."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig

from litlab.models.base import LitModule
from litlab.predictions.images import load_image, model_input
from litlab.predictions.output import batches, dump


def write_classes(model: LitModule, files: list[Path], out: Path, cfg: DictConfig) -> Path:
    """`out/predictions.json`: per file, the most likely class and every class's probability."""
    names = list(model.spec.class_names) or [str(i) for i in range(model.spec.num_classes)]
    results: dict[str, dict[str, Any]] = {}
    for chunk in batches(files, cfg.batch_size):
        pixels = torch.stack([load_image(f, model.spec, cfg.resize).pixels for f in chunk])
        with torch.no_grad():
            probabilities = model(model_input(pixels, model.spec).to(model.device)).softmax(1)
        for path, p in zip(chunk, probabilities.cpu(), strict=True):
            k = int(p.argmax())
            results[path.name] = {
                "class": k,
                "name": names[k],
                "probabilities": {n: round(float(v), 5) for n, v in zip(names, p, strict=True)},
            }
    out.mkdir(parents=True, exist_ok=True)
    return dump(results, out / "predictions.json")
