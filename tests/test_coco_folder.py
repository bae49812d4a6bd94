"""data=coco_folder: COCO JSON (and Roboflow's COCO export) read with its own ids, bad input
named in one sentence, a run end to end, and predictions that COCO's own evaluation scores as
the run did."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from litlab.data import COCOFolderDataModule
from tests.conftest import run_cli, run_train
from tests.test_cli import assert_fails_with

CATEGORIES = [{"id": 7, "name": "square"}, {"id": 3, "name": "bar"}]  # ids in any order


def draw(path: Path, size: tuple[int, int], boxes: list[tuple[list[float], int]]) -> None:
    """A black image of `size` (w, h) with each xywh box filled: squares white, bars grey."""
    w, h = size
    pixels = np.zeros((h, w, 3), dtype=np.uint8)
    for (x, y, bw, bh), cid in boxes:
        pixels[round(y) : round(y + bh), round(x) : round(x + bw)] = 255 if cid == 7 else 120
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, quality=95)


def coco_split(
    folder: Path, count: int, seed: int, first_id: int = 1, size: tuple[int, int] = (64, 48)
) -> dict:
    """`count` images in `folder` with one or two boxes each (the last one with none), and
    their COCO JSON; every third image is a JPEG."""
    rng = np.random.default_rng(seed)
    images, annotations = [], []
    for i in range(count):
        image_id = first_id + 10 * i  # ids need not be contiguous either
        name = f"im{i:03d}.{'jpg' if i % 3 == 2 else 'png'}"
        boxes = []
        for _ in range(0 if i == count - 1 else int(rng.integers(1, 3))):
            cid = int(rng.choice([7, 3]))
            bw, bh = (16, 16) if cid == 7 else (8, 20)
            x, y = rng.integers(0, size[0] - bw), rng.integers(0, size[1] - bh)
            boxes.append(([float(x), float(y), float(bw), float(bh)], cid))
        draw(folder / name, size, boxes)
        images.append({"id": image_id, "file_name": name, "width": size[0], "height": size[1]})
        for bbox, cid in boxes:
            annotations.append(
                {
                    "id": len(annotations) + 1000 * first_id,
                    "image_id": image_id,
                    "category_id": cid,
                    "bbox": bbox,
                    "area": bbox[2] * bbox[3],
                    "iscrowd": 0,
                }
            )
    return {"images": images, "annotations": annotations, "categories": CATEGORIES}


def write_coco(root: Path, counts: dict[str, int], roboflow: bool = False) -> Path:
    """`root` in COCO's layout (annotations/instances_<split>.json, images/<split>/), or in
    Roboflow's COCO export (<split>/_annotations.coco.json beside the images, val as valid)."""
    for n, (split, count) in enumerate(counts.items()):
        if roboflow:
            folder = root / ("valid" if split == "val" else split)
            file = folder / "_annotations.coco.json"
        else:
            folder = root / "images" / split
            file = root / "annotations" / f"instances_{split}.json"
        content = coco_split(folder, count, seed=n, first_id=n + 1)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(content))
    return root


def edit_json(file: Path, change) -> None:
    content = json.loads(file.read_text())
    change(content)
    file.write_text(json.dumps(content))


def test_category_ids_become_labels_in_id_order_and_boxes_land_on_their_pixels(tmp_path):
    root = write_coco(tmp_path / "set", {"train": 6, "val": 2})
    file = root / "annotations" / "instances_train.json"
    crowd = {"id": 99, "image_id": 1, "category_id": 7, "bbox": [0, 0, 5, 5], "iscrowd": 1}
    edit_json(file, lambda c: c["annotations"].append(crowd))
    module = COCOFolderDataModule(str(root), channels=1)
    module.setup("fit")
    assert module.spec.class_names == ("bar", "square")  # ids 3, 7
    assert module.spec.extra["category_ids"] == [3, 7]
    assert module.spec.input_shape == (1, 64, 64)  # 64x48: largest side 64
    content = json.loads(file.read_text())
    by_image: dict[int, list] = {}
    for ann in content["annotations"]:
        if not ann["iscrowd"]:
            by_image.setdefault(ann["image_id"], []).append(ann)
    targets = module.train_set.targets()
    assert [len(t["boxes"]) for t in targets] == [
        len(by_image.get(im["id"], [])) for im in content["images"]
    ]
    assert len(targets[-1]["boxes"]) == 0  # an image without annotations is kept
    for image, target, info in zip(
        module.train_set.images, targets, content["images"], strict=True
    ):
        for box, label, ann in zip(
            target["boxes"], target["labels"], by_image.get(info["id"], []), strict=True
        ):
            x, y, w, h = ann["bbox"]
            assert torch.allclose(box, torch.tensor([x, y + 8, x + w, y + h + 8]))  # 8 rows pad
            assert int(label) == (0 if ann["category_id"] == 3 else 1)
            x1, y1, x2, y2 = (int(v) for v in box)
            assert (image[0, y1 + 1 : y2 - 1, x1 + 1 : x2 - 1] > 100).all()
    assert (module.train_set.images[:, :, :8] == 0).all()  # letterbox padding above


def test_roboflow_coco_export_and_a_missing_val_split(tmp_path, caplog):
    root = write_coco(tmp_path / "set", {"train": 5}, roboflow=True)
    caplog.set_level(logging.INFO, logger="litlab.data.box_folder")
    module = COCOFolderDataModule(str(root), val_size=0.2)
    module.setup("fit")
    assert (len(module.train_set), len(module.val_set)) == (4, 1)
    assert module.test_set is module.val_set
    assert "1 of 5 training images validate" in caplog.text


def spoil(root: Path, case: str) -> None:
    """Spoil a good COCO folder (train 4, val 2) the way `case` names."""
    train = root / "annotations" / "instances_train.json"
    if case == "no such image":
        edit_json(train, lambda c: c["annotations"][0].update(image_id=12345))
    elif case == "box outside":
        edit_json(train, lambda c: c["annotations"][0].update(bbox=[50.0, 10.0, 16.0, 16.0]))
    elif case == "unknown category":
        edit_json(train, lambda c: c["annotations"][0].update(category_id=5))
    elif case == "unreadable image":
        (root / "images" / "train" / "im001.png").write_bytes(b"not a png")
    elif case == "no annotations file":
        (root / "annotations" / "instances_val.json").unlink()
    elif case == "no train annotations":
        train.unlink()
    elif case == "not json":
        train.write_text("{images: [")


BAD_INPUT = {
    "no such image": "instances_train.json: annotation 1000 names image_id 12345, which no image",
    "box outside": "reaches past its image im000.png (64x48) by more than 1 pixel",
    "unknown category": "has category_id 5, which is not one of its categories (3, 7)",
    "unreadable image": "im001.png is not an image that can be decoded",
    "no annotations file": "instances_val.json is missing; it holds the boxes of the images in",
    "no train annotations": "instances_train.json is missing; it holds the training boxes",
    "not json": "instances_train.json is not readable JSON",
}


def fit_on(root: Path, data: str = "coco_folder") -> list[str]:
    return [
        f"data={data}",
        f"data.path={root}",
        "trainer.max_epochs=1",
        "trainer.limit_train_batches=2",
        "trainer.limit_val_batches=1",
        "trainer.limit_test_batches=1",
    ]


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_stops_the_run_with_one_sentence(tmp_path, capsys, case):
    root = write_coco(tmp_path / "set", {"train": 4, "val": 2})
    spoil(root, case)
    with pytest.raises(SystemExit) as stop:
        run_train(fit_on(root), tmp_path / "run")
    assert stop.value.code == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["status"] == "failed"
    assert len(errors) == 1 and summary["error"] in errors[0]
    assert BAD_INPUT[case] in summary["error"], summary["error"]


def test_the_command_line_trains_on_coco_and_names_a_bad_box(tmp_path):
    root = write_coco(tmp_path / "set", {"train": 8, "val": 2, "test": 3})
    result = run_cli("train.py", [*fit_on(root), f"hydra.run.dir={tmp_path / 'ok'}"])
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((tmp_path / "ok" / "summary.json").read_text())
    assert summary["status"] == "ok"
    assert math.isfinite(summary["metrics"]["test/map_50"])
    assert (
        "Image size: 64 (the images' largest side, rounded up to 32)"
        in result.stdout + result.stderr
    )

    spoil(root, "box outside")
    result = run_cli("train.py", [*fit_on(root), f"hydra.run.dir={tmp_path / 'bad'}"])
    assert_fails_with(result, tmp_path / "bad", "by more than 1 pixel")


def coco_eval(ground_truth: Path, results: Path) -> list[float]:
    """pycocotools' COCOeval of a results JSON: [AP@[.5:.95], AP@.5, AP@.75]."""
    import contextlib
    import io

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(ground_truth))
        evaluation = COCOeval(gt, gt.loadRes(str(results)), "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return [float(v) for v in evaluation.stats[:3]]


def test_predictions_score_under_cocoeval_as_the_run_scored_its_test_split(tmp_path):
    root = write_coco(tmp_path / "set", {"train": 32, "val": 4, "test": 6})
    run = tmp_path / "run"
    args = ["data=coco_folder", f"data.path={root}", "trainer.max_epochs=6", "model.batch_size=8"]
    result = run_cli("train.py", [*args, f"hydra.run.dir={run}"])
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((run / "summary.json").read_text())
    metrics = summary["metrics"]
    assert metrics["test/map"] > 0.1, metrics  # learnt something: the comparison means something

    out = tmp_path / "predicted"
    predict = [f"ckpt_path={summary['best_checkpoint']}", f"inputs={root / 'images' / 'test'}"]
    result = run_cli("predict.py", [*predict, f"out={out}", "score_threshold=0.05"])
    assert result.returncode == 0, result.stderr[-2000:]
    truth = root / "annotations" / "instances_test.json"
    cocoeval = coco_eval(truth, out / "coco_results.json")
    reported = [metrics["test/map"], metrics["test/map_50"], metrics["test/map_75"]]
    assert np.allclose(cocoeval, reported, atol=1e-4), (cocoeval, reported)

    results = json.loads((out / "coco_results.json").read_text())
    images = json.loads(truth.read_text())["images"]
    assert {r["image_id"] for r in results} <= {im["id"] for im in images}
    assert {r["category_id"] for r in results} <= {3, 7}  # the data's own category ids
    for image in images:
        lines = (out / "labels" / f"{Path(image['file_name']).stem}.txt").read_text().splitlines()
        mine = [r for r in results if r["image_id"] == image["id"]]
        assert len(lines) == len(mine)
        for line, r in zip(lines, mine, strict=True):
            k, cx, cy, w, h, score = (float(v) for v in line.split())
            x, y, bw, bh = r["bbox"]
            assert [3, 7][int(k)] == r["category_id"] and abs(score - r["score"]) < 1e-4
            assert np.allclose(
                [cx * 64, cy * 48, w * 64, h * 48], [x + bw / 2, y + bh / 2, bw, bh], atol=0.01
            )
