"""Your own detection data in the YOLO folder layout (as ultralytics writes it), read into memory.

    DIR/data.yaml                       names: [cat, dog]  (or {0: cat, 1: dog})
    DIR/images/{train,val,test}/*.png   also .jpg .jpeg .bmp .tif .tiff .webp; subfolders too
    DIR/labels/{train,val,test}/*.txt   one `class cx cy w h` line per box, normalised to [0, 1]

A label file shares its image's path below the split folder, with `.txt`. An image without a
label file, or with an empty one, is an image without objects. Every image is letterboxed to an
`image_size` square (resized keeping its aspect ratio, centred, padded with black: the same
`litlab.data.letterbox` that prediction applies to new images) and the whole set is held as
uint8, like the other image datamodules: N x channels x image_size**2 bytes.
Anything that would give a wrong box stops the run with a `DataError` naming the file and line.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml
from PIL import Image, ImageOps

from litlab.data.base import split_generator
from litlab.data.detection import BoxSet, DetectionDataModule, pad_boxes
from litlab.data.letterbox import letterbox
from litlab.errors import ConfigError, DataError

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
TOLERANCE = 1e-6  # how far outside [0, 1] a normalised coordinate may stray (float rounding)
EDGE_TOLERANCE = 1e-3  # a box edge further out than this past the image is counted when clipped


def read_names(root: Path) -> tuple[str, ...]:
    """The class names of `root/data.yaml`: a list, or a dict with ids 0..n-1 as keys."""
    file = root / "data.yaml"
    if not file.is_file():
        raise DataError(f"{file} is missing; it names the classes (names: [cat, dog]).")
    try:
        content = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DataError(f"{file} is not readable YAML ({type(exc).__name__}).") from None
    names = content.get("names") if isinstance(content, dict) else None
    if isinstance(names, dict):
        if set(names) != set(range(len(names))):
            raise DataError(
                f"{file}: the keys of names must be the class ids 0 to {len(names) - 1}."
            )
        names = [names[i] for i in range(len(names))]
    if not isinstance(names, list) or not names:
        raise DataError(f"{file} has no 'names' list of classes (names: [cat, dog]).")
    if "nc" in content and content["nc"] != len(names):
        raise DataError(f"{file} says nc: {content['nc']} but names lists {len(names)} classes.")
    return tuple(str(n) for n in names)


def parse_label_file(file: Path, num_classes: int) -> np.ndarray:
    """The (K, 5) rows `class cx cy w h` of one label file, each checked; blank lines skipped."""
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise DataError(
            f"{file} is not UTF-8 text; a label file holds `class cx cy w h` lines."
        ) from None
    rows = []
    for number, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields:
            continue
        where = f"{file}, line {number}"
        if len(fields) != 5:
            polygon = "; polygon (segmentation) labels are not read" if len(fields) > 5 else ""
            raise DataError(
                f"{where} has {len(fields)} fields where a box needs 5 (class cx cy w h){polygon}."
            )
        try:
            values = [float(f) for f in fields]
        except ValueError:
            raise DataError(
                f"{where}: {line.strip()!r} is not five numbers (class cx cy w h)."
            ) from None
        if not all(math.isfinite(v) for v in values):
            raise DataError(f"{where}: {line.strip()!r} is not five finite numbers.")
        cls = values[0]
        if cls != int(cls) or not 0 <= cls < num_classes:
            raise DataError(
                f"{where}: class id {fields[0]} is not one of the {num_classes} classes of "
                f"data.yaml (0 to {num_classes - 1})."
            )
        if not all(-TOLERANCE <= v <= 1 + TOLERANCE for v in values[1:]):
            raise DataError(
                f"{where}: {' '.join(fields[1:])} are not all in [0, 1]; cx cy w h are "
                "fractions of the image's width and height."
            )
        if values[3] <= TOLERANCE or values[4] <= TOLERANCE:
            raise DataError(f"{where}: the box has zero width or height.")
        rows.append(values)
    return np.array(rows, dtype=np.float64).reshape(-1, 5)


def read_image(file: Path, mode: str) -> Image.Image:
    """The image in `file` in `mode` ("L" or "RGB"), turned upright by its EXIF orientation as
    the tools that drew its boxes showed it."""
    try:
        with Image.open(file) as opened:
            return ImageOps.exif_transpose(opened).convert(mode)
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


class YOLOFolderDataModule(DetectionDataModule):
    """Images and boxes from a YOLO-layout folder (see the module docstring).

    With no `images/val`, validation images are cut from train (`val_size`, by `split_seed`, the
    same on every run); with no `images/test`, the test split is the validation split (a warning
    says so). `channels` 1 reads images as grey ("L"), 3 as RGB.
    """

    def __init__(
        self,
        path: str,
        data_dir: str = "data",
        batch_size: int = 32,
        image_size: int = 320,
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
        if image_size < 8:
            raise ConfigError(f"data.image_size must be at least 8 pixels, got {image_size}.")
        if not 0 < val_size < 1:
            raise ConfigError(f"data.val_size must be a fraction between 0 and 1, got {val_size}.")
        self.path = Path(path)
        self.image_size = image_size
        self.channels = channels
        self.val_size = val_size

    def load_splits(self) -> tuple[BoxSet, BoxSet, BoxSet]:
        if not self.path.is_dir():
            raise DataError(
                f"data.path={self.path}: no such folder; it should hold data.yaml, images/ and "
                "labels/ (the YOLO layout, docs/detection.md)."
            )
        self.class_names = read_names(self.path)
        if not (self.path / "images" / "train").is_dir():
            missing = self.path / "images" / "train"
            raise DataError(f"{missing} is missing; it holds the training images.")
        train = self.read_split("train")
        val = self.read_split("val")
        if val is None:
            train, val = self.cut_val(train)
        if not bool((train.tensors[2] >= 0).any()):
            raise DataError(
                f"the train split of {self.path} holds no boxes; are the label files in "
                f"{self.path / 'labels' / 'train'} (one .txt per image, same name)?"
            )
        test = self.read_split("test")
        if test is None:
            log.warning("%s has no images/test: the test split is the validation split.", self.path)
            test = val
        return train, val, test

    def read_split(self, split: str) -> BoxSet | None:
        """One split's images and boxes, or None when its images folder is absent."""
        image_dir = self.path / "images" / split
        label_dir = self.path / "labels" / split
        if not image_dir.is_dir():
            return None
        files = image_files(image_dir)
        if not files:
            raise DataError(f"{image_dir} holds no images ({' '.join(IMAGE_SUFFIXES)}).")
        label_of = {p: label_dir / p.relative_to(image_dir).with_suffix(".txt") for p in files}
        check_label_files(label_dir, image_dir, list(label_of.values()))
        size, mode = self.image_size, "L" if self.channels == 1 else "RGB"
        images = np.zeros((len(files), self.channels, size, size), dtype=np.uint8)
        all_boxes, all_labels = [], []
        unlabelled = clipped = 0
        for i, file in enumerate(files):
            image = read_image(file, mode)
            pixels, fit = letterbox(image, size, size)
            images[i] = pixels.numpy()
            if label_of[file].is_file():
                rows = parse_label_file(label_of[file], len(self.class_names))
            else:
                rows, unlabelled = np.zeros((0, 5)), unlabelled + 1
            cx, cy, bw, bh = rows[:, 1], rows[:, 2], rows[:, 3], rows[:, 4]
            edges = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1)
            clipped += int(((edges < -EDGE_TOLERANCE) | (edges > 1 + EDGE_TOLERANCE)).any(1).sum())
            edges = edges.clip(0, 1) * np.array(image.size * 2)  # original pixels
            all_boxes.append(fit.boxes_to_input(torch.from_numpy(edges).float()))
            all_labels.append(torch.from_numpy(rows[:, 0]).long())
        if unlabelled:
            log.warning(
                "%d of %d images in %s have no label file: kept as images without objects.",
                unlabelled,
                len(files),
                image_dir,
            )
        if clipped:
            log.warning("%d boxes in %s reach past the image: clipped to it.", clipped, label_dir)
        return BoxSet(torch.from_numpy(images), *pad_boxes(all_boxes, all_labels))

    def cut_val(self, train: BoxSet) -> tuple[BoxSet, BoxSet]:
        """Train split in two: `val_size` of it for validation, chosen by `split_seed`."""
        n = len(train)
        if n < 2:
            raise DataError(
                f"{self.path / 'images' / 'train'} holds {n} image, too few to cut a validation "
                "split from; add images or an images/val folder."
            )
        perm = torch.randperm(n, generator=split_generator(self.split_seed))
        n_val = min(n - 1, max(1, round(self.val_size * n)))
        log.info("%s has no images/val: %d of %d training images validate.", self.path, n_val, n)
        return subset(train, perm[n_val:].sort().values), subset(train, perm[:n_val].sort().values)


def check_label_files(label_dir: Path, image_dir: Path, expected: list[Path]) -> None:
    """Every label file below `label_dir` belongs to an image, and no two images share one."""
    if len(set(expected)) < len(expected):
        twin = next(p for p in expected if expected.count(p) > 1)
        raise DataError(
            f"two images in {image_dir} share the label file {twin} (same name, other suffix)."
        )
    if not label_dir.is_dir():
        return
    known = set(expected)
    for file in sorted(label_dir.rglob("*.txt")):
        if file not in known and file != label_dir / "classes.txt":  # labelImg's class list
            raise DataError(
                f"{file} has no image of the same name in {image_dir} ({' '.join(IMAGE_SUFFIXES)})."
            )


def subset(boxes: BoxSet, index: torch.Tensor) -> BoxSet:
    return BoxSet(*(t[index] for t in boxes.tensors))
