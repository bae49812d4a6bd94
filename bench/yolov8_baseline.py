"""The reference in docs/detection.md's comparison: ultralytics' YOLOv8n trained from scratch on
a YOLO folder for a fixed time, then tested on its test split.

Runs in its own environment with ultralytics installed (never litlab's):

    python3 -m venv /tmp/ultra-venv
    /tmp/ultra-venv/bin/pip install ultralytics torch==2.14.1 torchvision==0.29.1
    /tmp/ultra-venv/bin/python bench/yolov8_baseline.py DIR/data.yaml --imgsz 224 --seconds 300

`--seconds` is litlab's training time on the same set (summary.json's `seconds`): ultralytics'
`time=` then plans its schedule to end there. Everything else is ultralytics' default for
`YOLO("yolov8n.yaml")` with `pretrained=False` (mosaic included), except `--fliplr` (0 for
digits, as litlab's `data.augment.flip=false`). Prints one JSON line with mAP@0.5 and
mAP@[.5:.95] on the test split.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("data", help="the folder's data.yaml (with a test: entry)")
    p.add_argument("--imgsz", type=int, required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--fliplr", type=float, default=0.0)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--project", default="/tmp/ultra-runs")
    p.add_argument("--name", default="run")
    args = p.parse_args()

    from ultralytics import YOLO

    model = YOLO("yolov8n.yaml")
    start = time.perf_counter()
    model.train(
        data=args.data,
        imgsz=args.imgsz,
        time=args.seconds / 3600,
        epochs=1000,  # time= ends the run; this only has to be large enough
        pretrained=False,
        device="cpu",
        batch=args.batch,
        fliplr=args.fliplr,
        workers=2,
        project=args.project,
        name=args.name,
        exist_ok=True,
        plots=False,
        verbose=False,
    )
    seconds = time.perf_counter() - start
    best = Path(args.project) / args.name / "weights" / "best.pt"
    metrics = YOLO(str(best)).val(
        data=args.data, split="test", imgsz=args.imgsz, device="cpu", plots=False
    )
    print(
        json.dumps(
            {
                "map_50": round(float(metrics.box.map50), 4),
                "map": round(float(metrics.box.map), 4),
                "train_seconds": round(seconds, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
