"""Detection data with COCO JSON annotations, read with pycocotools, into memory.

    DIR/annotations/instances_{train,val,test}.json   COCO's object detection format
    DIR/images/{train,val,test}/<file_name>            the images the JSON names

or, as Roboflow exports COCO, `DIR/{train,valid,test}/_annotations.coco.json` beside the images.
Category ids may be any integers: labels are 0..K-1 in the order of the ids, named by
`categories`. `bbox` is [x, y, width, height] in pixels. Boxes marked `iscrowd` are left out
(COCO's evaluation ignores them), boxes of zero size too; an image without annotations is an
image without objects. Images are letterboxed and held in memory by `litlab.data.box_folder`.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np

from litlab.data.box_folder import Annotated, BoxFolderDataModule
from litlab.errors import DataError

log = logging.getLogger(__name__)

EDGE_TOLERANCE = 1.0  # pixels a box may reach past its image (rounding in labelling tools)
ROBOFLOW_SPLITS = {"train": "train", "val": "valid", "test": "test"}
ROBOFLOW_FILE = "_annotations.coco.json"


def load_coco(file: Path) -> Any:
    """pycocotools' COCO index of `file`, quietly; one sentence when it is not COCO JSON."""
    from pycocotools.coco import COCO

    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return COCO(str(file))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{file} is not readable JSON ({type(exc).__name__}).") from None
    except (AssertionError, KeyError, TypeError) as exc:
        raise DataError(
            f"{file} is not COCO detection JSON (images, annotations, categories): "
            f"{type(exc).__name__} {exc}."
        ) from None


def coco_layout(root: Path) -> dict[str, tuple[Path, Path]]:
    """split -> (annotations file, images folder), in COCO's layout or Roboflow's."""
    if not (root / "annotations").is_dir() and (root / "train" / ROBOFLOW_FILE).is_file():
        return {
            split: (root / name / ROBOFLOW_FILE, root / name)
            for split, name in ROBOFLOW_SPLITS.items()
        }
    return {
        split: (root / "annotations" / f"instances_{split}.json", root / "images" / split)
        for split in ("train", "val", "test")
    }


class COCOFolderDataModule(BoxFolderDataModule):
    """Images and boxes from a folder with COCO JSON annotations (see the module docstring).

    The spec's `extra["category_ids"]` keeps each label's COCO category id, so predictions can
    be written in the data's own ids.
    """

    layout_name = "COCO (annotations/instances_<split>.json, images/<split>/)"

    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(path, **kwargs)
        self.category_ids: tuple[int, ...] = ()
        self.files: dict[str, tuple[Path, Path]] = {}

    def split_name(self, split: str) -> str:
        return str(self.files[split][1]) if self.files else super().split_name(split)

    def no_boxes_hint(self) -> str:
        return f"{self.files['train'][0]} has no annotations that are not iscrowd."

    def spec_extra(self) -> dict[str, Any]:
        return {"category_ids": list(self.category_ids)}

    def read_layout(self) -> dict[str, list[Annotated] | None]:
        self.files = coco_layout(self.path)
        train_file, _ = self.files["train"]
        if not train_file.is_file():
            raise DataError(
                f"{train_file} is missing; it holds the training boxes as COCO JSON (or "
                f"train/{ROBOFLOW_FILE}, as Roboflow exports it)."
            )
        train = load_coco(train_file)
        categories = sorted(train.cats.values(), key=lambda c: c["id"])
        if not categories:
            raise DataError(f"{train_file} has no categories; they name the classes.")
        self.category_ids = tuple(int(c["id"]) for c in categories)
        self.class_names = tuple(str(c.get("name", c["id"])) for c in categories)
        label_of = {cid: k for k, cid in enumerate(self.category_ids)}
        layout: dict[str, list[Annotated] | None] = {"train": self.annotations("train", train)}
        for split in ("val", "test"):
            file, images = self.files[split]
            if file.is_file():
                coco = load_coco(file)
                for cid, category in coco.cats.items():
                    if cid not in label_of:
                        raise DataError(
                            f"{file} has category {cid} ({category.get('name')}), which the "
                            f"categories of {train_file} do not have."
                        )
                layout[split] = self.annotations(split, coco)
            elif images.is_dir() and any(images.iterdir()):
                raise DataError(f"{file} is missing; it holds the boxes of the images in {images}.")
            else:
                layout[split] = None
        return layout

    def annotations(self, split: str, coco: Any) -> list[Annotated]:
        """The images of one split's COCO index with their boxes, each checked."""
        file, folder = self.files[split]
        label_of = {cid: k for k, cid in enumerate(self.category_ids)}
        if not coco.imgs:
            raise DataError(f"{file} lists no images.")
        for ann in coco.anns.values():
            if ann.get("image_id") not in coco.imgs:
                raise DataError(
                    f"{file}: annotation {ann.get('id')} names image_id {ann.get('image_id')}, "
                    "which no image in the file has."
                )
            if ann.get("category_id") not in coco.cats:
                raise DataError(
                    f"{file}: annotation {ann.get('id')} has category_id "
                    f"{ann.get('category_id')}, which is not one of its categories "
                    f"({', '.join(str(c) for c in sorted(coco.cats))})."
                )
        items, crowd, empty = [], 0, 0
        for image_id, image in coco.imgs.items():
            name = image.get("file_name")
            path = folder / str(name)
            if not name or not path.is_file():
                raise DataError(
                    f"{file}: image {image_id} names {name}, which is not a file in {folder}."
                )
            try:
                size = (int(image["width"]), int(image["height"]))
            except (KeyError, TypeError, ValueError):
                raise DataError(f"{file}: image {image_id} has no width and height.") from None
            boxes, labels = [], []
            for ann in coco.imgToAnns.get(image_id, []):
                if ann.get("iscrowd", 0):
                    crowd += 1
                    continue
                box = self.checked_box(file, ann, name, size)
                if box is None:
                    empty += 1
                    continue
                boxes.append(box)
                labels.append(label_of[ann["category_id"]])
            items.append(
                Annotated(
                    path,
                    np.array(boxes, dtype=np.float64).reshape(-1, 4),
                    np.array(labels, dtype=np.int64),
                    size=size,
                    source=str(file),
                )
            )
        if crowd:
            log.info(
                "%d iscrowd boxes in %s left out (COCO's evaluation ignores them).", crowd, file
            )
        if empty:
            log.warning("%d boxes of zero width or height in %s left out.", empty, file)
        return items

    @staticmethod
    def checked_box(
        file: Path, ann: dict[str, Any], name: str, size: tuple[int, int]
    ) -> list[float] | None:
        """The annotation's bbox as x1y1x2y2 clipped to its image, None when it has no area."""
        bbox = ann.get("bbox")
        if (
            not isinstance(bbox, list | tuple)
            or len(bbox) != 4
            or not all(isinstance(v, int | float) and math.isfinite(v) for v in bbox)
        ):
            raise DataError(
                f"{file}: annotation {ann.get('id')} has bbox {bbox!r}, not four numbers "
                "[x, y, width, height]."
            )
        x, y, w, h = (float(v) for v in bbox)
        if w <= 0 or h <= 0:
            return None
        width, height = size
        t = EDGE_TOLERANCE
        if x < -t or y < -t or x + w > width + t or y + h > height + t:
            raise DataError(
                f"{file}: annotation {ann.get('id')}'s bbox {list(bbox)} (x, y, width, height) "
                f"reaches past its image {name} ({width}x{height}) by more than {t:g} pixel."
            )
        box = [max(x, 0.0), max(y, 0.0), min(x + w, width), min(y + h, height)]
        return box if box[2] > box[0] and box[3] > box[1] else None
