"""Write any detection datamodule out in the YOLO folder layout that `data=yolo_folder` reads.

    python -m litlab.data.yolo_export OUT_DIR [data=mnist_detection] [data.canvas_size=64 ...]
    litlab-export-yolo OUT_DIR ...

The arguments after OUT_DIR are Hydra overrides of the train config (`data=` picks the set,
`data.x=...` its options), so the set written is exactly the one `python train.py` with the
same overrides trains on. Useful to look at a set as plain image files, to hand it to other
tools (ultralytics reads the folder as is), and to check the folder reader on real files.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import yaml
from hydra import compose, initialize_config_dir
from hydra.errors import HydraException
from PIL import Image

from litlab.conf_dir import conf_dir
from litlab.data.detection import DetectionDataModule
from litlab.errors import ConfigError, run_or_explain

SPLITS = ("train", "val", "test")


def write_yolo_folder(datamodule: DetectionDataModule, out_dir: str | Path) -> Path:
    """`out_dir/data.yaml`, `images/<split>/NNNNNN.png` and `labels/<split>/NNNNNN.txt` (one
    `class cx cy w h` line per box, normalised; empty for an image without objects)."""
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"{out} is not empty; give a new folder to write the set into.")
    if datamodule.train_set is None:
        datamodule.prepare_data()
        datamodule.setup("fit")
    sets = {"train": datamodule.train_set, "val": datamodule.val_set, "test": datamodule.test_set}
    if sets["test"] is sets["val"]:  # a set that tests on its validation split
        del sets["test"]
    for split, box_set in sets.items():
        image_dir, label_dir = out / "images" / split, out / "labels" / split
        image_dir.mkdir(parents=True, exist_ok=True)
        label_dir.mkdir(parents=True, exist_ok=True)
        images = box_set.images.numpy()
        for i, (image, target) in enumerate(zip(images, box_set.targets(), strict=True)):
            _, h, w = image.shape
            pixels = image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0)
            Image.fromarray(np.ascontiguousarray(pixels)).save(image_dir / f"{i:06d}.png")
            pairs = zip(target["boxes"].tolist(), target["labels"].tolist(), strict=True)
            lines = [yolo_line(box, label, w, h) for box, label in pairs]
            (label_dir / f"{i:06d}.txt").write_text("".join(lines), encoding="utf-8")
    names = dict(enumerate(datamodule.class_names))
    description = {**{s: f"images/{s}" for s in sets}, "nc": len(names), "names": names}
    (out / "data.yaml").write_text(yaml.safe_dump(description, sort_keys=False), encoding="utf-8")
    return out


def yolo_line(box: list[float], label: int, width: int, height: int) -> str:
    """`class cx cy w h\\n` for one x1y1x2y2 pixel box, normalised to the image size."""
    x1, y1, x2, y2 = (
        min(max(v / s, 0.0), 1.0) for v, s in zip(box, (width, height) * 2, strict=True)
    )
    return f"{label} {(x1 + x2) / 2:.6f} {(y1 + y2) / 2:.6f} {x2 - x1:.6f} {y2 - y1:.6f}\n"


def compose_datamodule(overrides: list[str]) -> DetectionDataModule:
    """The datamodule `python train.py <overrides>` would build (default data=mnist_detection)."""
    import hydra.utils

    from litlab.errors import explain

    if not any(o.startswith("data=") for o in overrides):
        overrides = ["data=mnist_detection", *overrides]
    try:
        with initialize_config_dir(conf_dir(), version_base="1.3"):
            cfg = compose("train", overrides=overrides)
    except HydraException as exc:
        raise ConfigError(explain(exc, overrides)) from None
    datamodule = hydra.utils.instantiate(cfg.data)
    if not isinstance(datamodule, DetectionDataModule):
        raise ConfigError(f"{cfg.data._target_} has no boxes; choose a detection set (data=...).")
    return datamodule


def main(argv: list[str] | None = None) -> None:
    """`litlab-export-yolo OUT_DIR [overrides]`: one sentence and exit 1 on bad input."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0)
    if not args or args[0].startswith("-") or "=" in args[0]:
        print(f"usage: {__doc__.strip().splitlines()[2].strip()}", file=sys.stderr)
        sys.exit(2)
    out = run_or_explain(lambda: write_yolo_folder(compose_datamodule(args[1:]), args[0]))
    counts = ", ".join(f"{len(list((out / 'images' / s).glob('*.png')))} {s}" for s in SPLITS)
    print(f"Wrote {out} ({counts} images; data.yaml names the classes)")


if __name__ == "__main__":
    main()
