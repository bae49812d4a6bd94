"""Digits scattered on larger canvases, with boxes: a detection set made from the MNIST files.

Training and validation canvases are drawn from the MNIST training files (disjoint digit pools,
cut by `split_seed`), test canvases only from the t10k files. Each split has its own fixed
generator seed, so the test canvases are the same on every run and machine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from litlab.data.base import split_generator
from litlab.data.detection import BoxSet, DetectionDataModule, pad_boxes
from litlab.data.mnist import MNISTDataModule
from litlab.errors import ConfigError

INK = 64  # a pixel at or above this (of 255) belongs to the digit's box


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of one box (4,) against many (M, 4), x1y1x2y2."""
    if len(b) == 0:
        return np.zeros(0)
    x1, y1 = np.maximum(a[0], b[:, 0]), np.maximum(a[1], b[:, 1])
    x2, y2 = np.minimum(a[2], b[:, 2]), np.minimum(a[3], b[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = lambda z: (z[..., 2] - z[..., 0]) * (z[..., 3] - z[..., 1])  # noqa: E731
    return inter / (area(a) + area(b) - inter)


def compose_canvases(
    digits: torch.Tensor,
    labels: torch.Tensor,
    count: int,
    canvas_size: int,
    digits_per_canvas: Sequence[int],
    digit_size: Sequence[int],
    max_iou: float,
    seed: int,
) -> BoxSet:
    """`count` canvases of `digits_per_canvas` (min, max) digits each, every digit resized to a
    side in `digit_size` (min, max pixels) and placed whole on the canvas, its box the tight
    box around its ink; a digit that cannot be placed within `max_iou` of the others is left out.
    """
    rng = np.random.default_rng(seed)
    canvases = np.zeros((count, canvas_size, canvas_size), dtype=np.uint8)
    all_boxes, all_labels = [], []
    lo, hi = digit_size
    for i in range(count):
        boxes: list[np.ndarray] = []
        classes: list[int] = []
        for _ in range(rng.integers(digits_per_canvas[0], digits_per_canvas[1] + 1)):
            k = int(rng.integers(len(digits)))
            side = int(rng.integers(lo, hi + 1))
            glyph = resized(digits[k], side)
            ys, xs = np.nonzero(glyph >= INK)
            if len(xs) == 0:
                continue
            for _attempt in range(20):
                top, left = rng.integers(0, canvas_size - side + 1, size=2)
                box = np.array(
                    [left + xs.min(), top + ys.min(), left + xs.max() + 1, top + ys.max() + 1],
                    dtype=np.float32,
                )
                if not boxes or box_iou(box, np.stack(boxes)).max() <= max_iou:
                    patch = canvases[i, top : top + side, left : left + side]
                    np.maximum(patch, glyph, out=patch)
                    boxes.append(box)
                    classes.append(int(labels[k]))
                    break
        all_boxes.append(torch.from_numpy(np.stack(boxes)) if boxes else torch.zeros(0, 4))
        all_labels.append(torch.tensor(classes, dtype=torch.long))
    padded_boxes, padded_labels = pad_boxes(all_boxes, all_labels)
    return BoxSet(torch.from_numpy(canvases).unsqueeze(1), padded_boxes, padded_labels)


def resized(digit: torch.Tensor, side: int) -> np.ndarray:
    """A 28x28 uint8 digit as a side x side uint8 array (antialiased bilinear)."""
    x = digit.float().view(1, 1, *digit.shape[-2:])
    y = F.interpolate(x, size=(side, side), mode="bilinear", antialias=True, align_corners=False)
    return y.round().clamp(0, 255).to(torch.uint8)[0, 0].numpy()


class MNISTDetectionDataModule(DetectionDataModule):
    """Several MNIST digits per canvas with their boxes and labels, generated in memory."""

    class_names = tuple(str(d) for d in range(10))

    def __init__(
        self,
        data_dir: str = "data",
        batch_size: int = 32,
        canvas_size: int = 96,
        digits_per_canvas: Sequence[int] = (1, 4),
        digit_size: Sequence[int] = (18, 40),
        max_iou: float = 0.1,
        train_canvases: int = 4000,
        val_canvases: int = 500,
        test_canvases: int = 1000,
        val_size: float = 0.1,
        canvas_seed: int = 0,
        normalize: bool = True,
        augment: dict | None = None,
        num_workers: int = 0,
        pin_memory: bool = False,
        split_seed: int = 0,
    ) -> None:
        super().__init__(
            data_dir, batch_size, normalize, augment, num_workers, pin_memory, split_seed
        )
        lo, hi = digit_size
        if not 1 <= lo <= hi <= canvas_size:
            raise ConfigError(
                f"data.digit_size={list(digit_size)} must be [min, max] pixels with "
                f"1 <= min <= max <= data.canvas_size ({canvas_size})."
            )
        if not 0 <= digits_per_canvas[0] <= digits_per_canvas[1]:
            raise ConfigError(
                f"data.digits_per_canvas={list(digits_per_canvas)} must be [min, max] with "
                "0 <= min <= max."
            )
        if not 0 < val_size < 1:
            raise ConfigError(f"data.val_size must be a fraction between 0 and 1, got {val_size}")
        self.layout = {
            "canvas_size": canvas_size,
            "digits_per_canvas": tuple(digits_per_canvas),
            "digit_size": tuple(digit_size),
            "max_iou": max_iou,
        }
        self.counts = (train_canvases, val_canvases, test_canvases)
        self.val_size = val_size
        self.canvas_seed = canvas_seed

    def prepare_data(self) -> None:
        MNISTDataModule(self.data_dir).prepare_data()

    def load_splits(self) -> tuple[BoxSet, BoxSet, BoxSet]:
        mnist = MNISTDataModule(self.data_dir)
        digits, labels = mnist.load_split(train=True)
        perm = torch.randperm(len(digits), generator=split_generator(self.split_seed))
        n_val = max(1, round(self.val_size * len(digits)))
        pools = [
            (digits[perm[n_val:]], labels[perm[n_val:]]),
            (digits[perm[:n_val]], labels[perm[:n_val]]),
        ]
        pools.append(mnist.load_split(train=False))
        return tuple(  # type: ignore[return-value]
            compose_canvases(d, y, n, seed=self.canvas_seed * 3 + i, **self.layout)
            for i, ((d, y), n) in enumerate(zip(pools, self.counts, strict=True))
        )
