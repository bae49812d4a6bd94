"""Fitting an image of any size into the fixed size a model takes, keeping its aspect ratio."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image


@dataclass(frozen=True)
class Letterbox:
    """How an image was fitted: input pixel p lands at p * scale + (left, top)."""

    scale: float
    left: int
    top: int

    def boxes_to_input(self, boxes: torch.Tensor) -> torch.Tensor:
        """x1y1x2y2 boxes in original pixels -> in the fitted image's pixels."""
        offset = boxes.new_tensor([self.left, self.top, self.left, self.top])
        return boxes * self.scale + offset

    def boxes_to_original(self, boxes: torch.Tensor) -> torch.Tensor:
        """x1y1x2y2 boxes in the fitted image's pixels -> in original pixels."""
        offset = boxes.new_tensor([self.left, self.top, self.left, self.top])
        return (boxes - offset) / self.scale


def letterbox(image: Image.Image, height: int, width: int) -> tuple[torch.Tensor, Letterbox]:
    """Resize `image` (already in the wanted mode, "L" or "RGB") to fit height x width without
    distortion and centre it on black; returns uint8 (C, height, width) and the mapping."""
    scale = min(height / image.height, width / image.width)
    new_w = max(1, round(image.width * scale))
    new_h = max(1, round(image.height * scale))
    if (new_w, new_h) != image.size:
        image = image.resize((new_w, new_h), Image.Resampling.BILINEAR)
    array = np.asarray(image, dtype=np.uint8)
    array = array[..., None] if array.ndim == 2 else array
    left, top = (width - new_w) // 2, (height - new_h) // 2
    out = torch.zeros(array.shape[2], height, width, dtype=torch.uint8)
    out[:, top : top + new_h, left : left + new_w] = torch.from_numpy(array.copy()).permute(2, 0, 1)
    return out, Letterbox(scale, left, top)
