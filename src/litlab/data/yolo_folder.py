"""Your own detection data in the YOLO folder layout (as ultralytics writes it, or Roboflow's
YOLO export), read into memory.

    DIR/data.yaml                       names: [cat, dog]  (or {0: cat, 1: dog})
    DIR/images/{train,val,test}/*.png   also .jpg .jpeg .bmp .tif .tiff .webp; subfolders too
    DIR/labels/{train,val,test}/*.txt   one `class cx cy w h` line per box, normalised to [0, 1]

or, as Roboflow exports it, `DIR/{train,valid,test}/images/` beside
`DIR/{train,valid,test}/labels/`.
A label file shares its image's path below the split folder, with `.txt`. An image without a
label file, or with an empty one, is an image without objects. Images are letterboxed and held
in memory by `litlab.data.box_folder`, as for every annotated folder.
Anything that would give a wrong box stops the run with a `DataError` naming the file and line.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import yaml

from litlab.data.box_folder import (
    IMAGE_SUFFIXES,
    Annotated,
    BoxFolderDataModule,
    image_files,
    read_image,
)
from litlab.errors import DataError

__all__ = ["YOLOFolderDataModule", "image_files", "read_image", "read_names"]

log = logging.getLogger(__name__)

TOLERANCE = 1e-6  # how far outside [0, 1] a normalised coordinate may stray (float rounding)
EDGE_TOLERANCE = 1e-3  # a box edge further out than this past the image is counted when clipped
# split -> the folder names it has in Roboflow's export
ROBOFLOW_SPLITS = {"train": "train", "val": "valid", "test": "test"}


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


class YOLOFolderDataModule(BoxFolderDataModule):
    """Images and boxes from a YOLO-layout folder (see the module docstring), the ultralytics
    layout (`images/<split>`, `labels/<split>`) or Roboflow's (`<split>/images`,
    `<split>/labels`, with `valid` for val). `channels` 1 reads images as grey, 3 as RGB.
    """

    layout_name = "YOLO (data.yaml, images/, labels/)"
    roboflow = False  # the split folders hold images/ and labels/ (Roboflow's export)

    def folders(self, split: str) -> tuple[Path, Path]:
        """The images and labels folders of a split, in whichever layout the folder uses."""
        if self.roboflow:
            base = self.path / ROBOFLOW_SPLITS[split]
            return base / "images", base / "labels"
        return self.path / "images" / split, self.path / "labels" / split

    def split_name(self, split: str) -> str:
        return str(self.folders(split)[0])

    def no_boxes_hint(self) -> str:
        labels = self.folders("train")[1]
        return f"are the label files in {labels} (one .txt per image, same name)?"

    def read_layout(self) -> dict[str, list[Annotated] | None]:
        self.class_names = read_names(self.path)
        self.roboflow = (
            not (self.path / "images" / "train").is_dir()
            and (self.path / "train" / "images").is_dir()
        )
        if not self.folders("train")[0].is_dir():
            missing = self.path / "images" / "train"
            raise DataError(
                f"{missing} is missing; it holds the training images (or train/images, as "
                "Roboflow exports them)."
            )
        return {split: self.annotations(split) for split in ("train", "val", "test")}

    def annotations(self, split: str) -> list[Annotated] | None:
        """One split's images and their boxes, or None when its images folder is absent."""
        image_dir, label_dir = self.folders(split)
        if not image_dir.is_dir():
            return None
        files = image_files(image_dir)
        if not files:
            raise DataError(f"{image_dir} holds no images ({' '.join(IMAGE_SUFFIXES)}).")
        label_of = {p: label_dir / p.relative_to(image_dir).with_suffix(".txt") for p in files}
        check_label_files(label_dir, image_dir, list(label_of.values()))
        items = []
        unlabelled = clipped = 0
        for file in files:
            if label_of[file].is_file():
                rows = parse_label_file(label_of[file], len(self.class_names))
            else:
                rows, unlabelled = np.zeros((0, 5)), unlabelled + 1
            cx, cy, bw, bh = rows[:, 1], rows[:, 2], rows[:, 3], rows[:, 4]
            edges = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1)
            clipped += int(((edges < -EDGE_TOLERANCE) | (edges > 1 + EDGE_TOLERANCE)).any(1).sum())
            items.append(Annotated(file, edges.clip(0, 1), rows[:, 0], normalized=True))
        if unlabelled:
            log.warning(
                "%d of %d images in %s have no label file: kept as images without objects.",
                unlabelled,
                len(files),
                image_dir,
            )
        if clipped:
            log.warning("%d boxes in %s reach past the image: clipped to it.", clipped, label_dir)
        return items


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
