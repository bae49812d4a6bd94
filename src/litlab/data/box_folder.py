"""What every folder of annotated images shares, whatever its annotation format (YOLO txt files,
COCO JSON): reading and letterboxing the images into memory, choosing the image size from the
data, cutting validation from train when there is none, testing validation when there is no test.

A format's datamodule only says which images each split holds and their boxes
(`read_layout`); this base turns them into `BoxSet`s the same way for every format.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageOps

from litlab.data.base import split_generator
from litlab.data.detection import BoxSet, DetectionDataModule, pad_boxes
from litlab.data.letterbox import letterbox
from litlab.errors import ConfigError, DataError

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
SPLITS = ("train", "val", "test")
MAX_IMAGE_SIZE = 640  # the largest side chosen from the data; data.image_size=N goes past it


@dataclass
class Annotated:
    """One image file and its boxes: x1y1x2y2 in the image's pixels, or as fractions of its
    width and height when `normalized` (YOLO labels, whose pixels are known once it is read);
    `size` (width, height) when the annotations state it, checked against the file."""

    file: Path
    boxes: np.ndarray
    labels: np.ndarray
    normalized: bool = False
    size: tuple[int, int] | None = None
    source: str = ""


def read_image(file: Path, mode: str, upright: bool = True) -> Image.Image:
    """The image in `file` in `mode` ("L" or "RGB"); with `upright`, turned by its EXIF
    orientation as the tools that drew its boxes showed it."""
    try:
        with Image.open(file) as opened:
            image = ImageOps.exif_transpose(opened) if upright else opened
            return image.convert(mode)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise DataError(
            f"{file} is not an image that can be decoded ({type(exc).__name__})."
        ) from None


def image_side(file: Path) -> int:
    """The larger of the image's width and height, from its header (no decoding)."""
    try:
        with Image.open(file) as opened:
            return max(opened.size)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise DataError(
            f"{file} is not an image that can be decoded ({type(exc).__name__})."
        ) from None


def image_files(folder: Path) -> list[Path]:
    """The images below `folder`, sorted; other files are counted in a warning."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    images = [p for p in files if p.suffix.lower() in IMAGE_SUFFIXES]
    if len(files) > len(images):
        log.warning(
            "%d files in %s are not images (%s): skipped.",
            len(files) - len(images),
            folder,
            " ".join(IMAGE_SUFFIXES),
        )
    return images


def round_up(value: int, multiple: int) -> int:
    return math.ceil(value / multiple) * multiple


def subset(boxes: BoxSet, index: torch.Tensor) -> BoxSet:
    return BoxSet(*(t[index] for t in boxes.tensors))


class BoxFolderDataModule(DetectionDataModule):
    """Images and boxes from a folder, letterboxed to one square and held as uint8.

    `image_size` None takes the largest side of the training images, rounded up to a multiple
    of `stride` (so every net's grid divides it), at most `MAX_IMAGE_SIZE`; a number wins.
    With no validation split, `val_size` of train validates (chosen by `split_seed`, the same
    on every run); with no test split, the validation split is tested (a warning says so).
    Subclasses implement `read_layout` and set `class_names`.
    """

    layout_name = "folder"

    def __init__(
        self,
        path: str,
        data_dir: str = "data",
        batch_size: int = 32,
        image_size: int | None = None,
        stride: int = 32,
        channels: int = 3,
        val_size: float = 0.1,
        normalize: bool = True,
        augment: dict[str, Any] | None = None,
        num_workers: int = 0,
        pin_memory: bool = False,
        split_seed: int = 0,
    ) -> None:
        super().__init__(
            data_dir, batch_size, normalize, augment, num_workers, pin_memory, split_seed
        )
        if channels not in (1, 3):
            raise ConfigError(f"data.channels must be 1 (grey) or 3 (RGB), got {channels}.")
        if image_size is not None and image_size < 8:
            raise ConfigError(f"data.image_size must be at least 8 pixels, got {image_size}.")
        if stride < 1:
            raise ConfigError(f"data.stride must be a positive number of pixels, got {stride}.")
        if not 0 < val_size < 1:
            raise ConfigError(f"data.val_size must be a fraction between 0 and 1, got {val_size}.")
        self.path = Path(path)
        self.image_size = image_size
        self.stride = stride
        self.channels = channels
        self.val_size = val_size

    def read_layout(self) -> dict[str, list[Annotated] | None]:
        """Each split's annotated images (None for a split the folder does not have; train is
        required); sets `class_names`."""
        raise NotImplementedError

    def split_name(self, split: str) -> str:
        """Where a split lives, for messages."""
        return str(self.path / split)

    def load_splits(self) -> tuple[BoxSet, BoxSet, BoxSet]:
        if not self.path.is_dir():
            raise DataError(
                f"data.path={self.path}: no such folder; it should hold a dataset in the "
                f"{self.layout_name} layout (docs/detection.md)."
            )
        layout = self.read_layout()
        if self.image_size is None:
            self.image_size = self.size_from(layout["train"])
        train = self.read_split(layout["train"], "train")
        val = self.read_split(layout["val"], "val") if layout["val"] is not None else None
        if val is None:
            train, val = self.cut_val(train)
        if not bool((train.tensors[2] >= 0).any()):
            raise DataError(
                f"the train split of {self.path} holds no boxes; {self.no_boxes_hint()}"
            )
        if layout["test"] is None:
            log.warning("%s has no test split: the test split is the validation split.", self.path)
            return train, val, val
        return train, val, self.read_split(layout["test"], "test")

    def no_boxes_hint(self) -> str:
        return "are the annotations where the layout expects them?"

    def size_from(self, items: list[Annotated]) -> int:
        """The largest side of these images, rounded up to `stride`, at most MAX_IMAGE_SIZE."""
        side = max(max(item.size) if item.size else image_side(item.file) for item in items)
        size = round_up(side, self.stride)
        if size > MAX_IMAGE_SIZE:
            log.info(
                "Image size: %d (the images' largest side, %d px, is capped at %d; "
                "data.image_size=N chooses another)",
                MAX_IMAGE_SIZE,
                side,
                MAX_IMAGE_SIZE,
            )
            return MAX_IMAGE_SIZE
        log.info("Image size: %d (the images' largest side, rounded up to %d)", size, self.stride)
        return size

    def read_split(self, items: list[Annotated], split: str) -> BoxSet:
        """The images letterboxed to `image_size` with their boxes moved with them."""
        size, mode = self.image_size, "L" if self.channels == 1 else "RGB"
        images = np.zeros((len(items), self.channels, size, size), dtype=np.uint8)
        all_boxes, all_labels = [], []
        for i, item in enumerate(items):
            image = self.decode(item, mode)
            pixels, fit = letterbox(image, size, size)
            images[i] = pixels.numpy()
            boxes = item.boxes * np.array(image.size * 2) if item.normalized else item.boxes
            all_boxes.append(fit.boxes_to_input(torch.from_numpy(boxes).float().reshape(-1, 4)))
            all_labels.append(torch.from_numpy(item.labels).long())
        return BoxSet(torch.from_numpy(images), *pad_boxes(all_boxes, all_labels))

    def decode(self, item: Annotated, mode: str) -> Image.Image:
        """The item's image; when the annotations state its size, the file must have it
        (upright by its EXIF orientation, or as stored)."""
        image = read_image(item.file, mode)
        if item.size is None or image.size == item.size:
            return image
        stored = read_image(item.file, mode, upright=False)
        if stored.size == item.size:
            return stored
        raise DataError(
            f"{item.file} is {image.width}x{image.height} pixels but {item.source} says "
            f"{item.size[0]}x{item.size[1]}."
        )

    def cut_val(self, train: BoxSet) -> tuple[BoxSet, BoxSet]:
        """Train split in two: `val_size` of it for validation, chosen by `split_seed`."""
        n = len(train)
        if n < 2:
            raise DataError(
                f"{self.split_name('train')} holds {n} image, too few to cut a validation "
                "split from; add images or a validation split."
            )
        perm = torch.randperm(n, generator=split_generator(self.split_seed))
        n_val = min(n - 1, max(1, round(self.val_size * n)))
        log.info(
            "%s has no validation split: %d of %d training images validate.", self.path, n_val, n
        )
        return subset(train, perm[n_val:].sort().values), subset(train, perm[:n_val].sort().values)
