"""data=yolo_folder: the YOLO folder layout read back exactly, letterboxed, and bad input named."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from litlab.data import MNISTDetectionDataModule, YOLOFolderDataModule
from litlab.data.yolo_export import main as export_main
from litlab.data.yolo_export import write_yolo_folder
from tests.conftest import REPO, run_cli, run_train
from tests.test_cli import assert_fails_with

# a white rectangle on black, as (x1, y1, x2, y2) in pixels of an image (width, height)
RECT = (4, 6, 14, 20)


def write_image(path: Path, size: tuple[int, int] = (32, 32), rect=RECT) -> str:
    """A black RGB PNG of `size` (w, h) with a white `rect`; returns its YOLO label line."""
    w, h = size
    pixels = np.zeros((h, w, 3), dtype=np.uint8)
    x1, y1, x2, y2 = rect
    pixels[y1:y2, x1:x2] = 255
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return f"0 {(x1 + x2) / 2 / w} {(y1 + y2) / 2 / h} {(x2 - x1) / w} {(y2 - y1) / h}\n"


def write_folder(root: Path, counts: dict[str, int], names=("box", "other")) -> Path:
    """`root` in the YOLO layout: `counts[split]` 32x32 images with one labelled box each."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "data.yaml").write_text(yaml.safe_dump({"names": list(names)}))
    for split, n in counts.items():
        for i in range(n):
            line = write_image(root / "images" / split / f"img{i}.png")
            label = root / "labels" / split / f"img{i}.txt"
            label.parent.mkdir(parents=True, exist_ok=True)
            label.write_text(line)
    return root


def test_an_exported_detection_set_reads_back_the_same(tmp_path, mnist_dir):
    source = MNISTDetectionDataModule(
        str(mnist_dir),
        canvas_size=48,
        digit_size=[14, 24],
        train_canvases=20,
        val_canvases=5,
        test_canvases=5,
    )
    folder = write_yolo_folder(source, tmp_path / "set")
    back = YOLOFolderDataModule(str(folder), image_size=48, channels=1)
    back.setup("fit")
    assert back.class_names == source.class_names
    for split in ("train", "val", "test"):
        a, b = getattr(source, f"{split}_set"), getattr(back, f"{split}_set")
        assert torch.equal(a.images, b.images), split
        for ta, tb in zip(a.targets(), b.targets(), strict=True):
            assert torch.equal(ta["labels"], tb["labels"])
            assert torch.allclose(ta["boxes"], tb["boxes"], atol=1.0)


def test_a_missing_val_split_is_cut_from_train_the_same_way_every_time(tmp_path):
    folder = write_folder(tmp_path / "set", {"train": 3})
    first, again = (YOLOFolderDataModule(str(folder), image_size=32, val_size=0.34) for _ in "ab")
    first.setup("fit")
    again.setup("fit")
    assert (len(first.train_set), len(first.val_set)) == (2, 1)
    assert first.test_set is first.val_set  # no images/test: the val split is tested
    for a, b in zip(first.val_set.tensors, again.val_set.tensors, strict=True):
        assert torch.equal(a, b)
    all_images = torch.cat([first.train_set.images, first.val_set.images])
    assert all_images.shape == (3, 3, 32, 32)


def test_a_letterboxed_image_keeps_its_box_on_its_pixels(tmp_path):
    folder = write_folder(tmp_path / "set", {"val": 1})
    sizes = {"wide": (40, 20), "tall": (18, 36)}
    for name, size in sizes.items():
        line = write_image(folder / "images" / "train" / f"{name}.png", size, RECT)
        (folder / "labels" / "train").mkdir(parents=True, exist_ok=True)
        (folder / "labels" / "train" / f"{name}.txt").write_text(line)
    module = YOLOFolderDataModule(str(folder), image_size=32, channels=1)
    module.class_names = ("box", "other")
    train = module.read_split(module.annotations("train"), "train")
    for image, target in zip(train.images, train.targets(), strict=True):
        (x1, y1, x2, y2) = target["boxes"][0].tolist()
        inside = image[0, int(y1) + 2 : int(y2) - 1, int(x1) + 2 : int(x2) - 1]
        assert inside.numel() > 0 and (inside > 200).all()
        outside = image[0].clone()
        outside[max(int(y1) - 1, 0) : int(y2) + 2, max(int(x1) - 1, 0) : int(x2) + 2] = 0
        assert (outside < 30).all()
    # the wide image (sorted after "tall"): scaled by 32/40, centred with 8 black rows above
    assert torch.allclose(train.targets()[1]["boxes"][0], torch.tensor([3.2, 12.8, 11.2, 24.0]))
    assert (train.images[1, 0, :8] == 0).all() and (train.images[1, 0, 24:] == 0).all()


def test_names_may_be_a_dict_of_ids(tmp_path):
    folder = write_folder(tmp_path / "set", {"train": 2, "val": 1})
    (folder / "data.yaml").write_text("names:\n  0: box\n  1: other\n")
    module = YOLOFolderDataModule(str(folder), image_size=32)
    module.setup("fit")
    assert module.spec.class_names == ("box", "other")


def test_images_without_a_label_file_are_kept_without_objects(tmp_path, caplog):
    folder = write_folder(tmp_path / "set", {"train": 3, "val": 1})
    (folder / "labels" / "train" / "img1.txt").unlink()
    (folder / "labels" / "train" / "img2.txt").write_text("")  # empty: no objects, no warning
    caplog.set_level(logging.INFO, logger="litlab.data.yolo_folder")
    module = YOLOFolderDataModule(str(folder), image_size=32)
    module.setup("fit")
    assert [len(t["boxes"]) for t in module.train_set.targets()] == [1, 0, 0]
    assert "1 of 3 images in" in caplog.text
    assert "have no label file: kept as images without objects" in caplog.text


def test_a_box_that_overhangs_the_image_is_clipped_and_counted(tmp_path, caplog):
    folder = write_folder(tmp_path / "set", {"train": 2, "val": 1})
    (folder / "labels" / "train" / "img0.txt").write_text("1 0.9 0.5 0.4 0.5\n")
    caplog.set_level(logging.WARNING, logger="litlab.data.yolo_folder")
    module = YOLOFolderDataModule(str(folder), image_size=32)
    module.setup("fit")
    first = module.train_set.targets()[0]
    assert torch.allclose(first["boxes"], torch.tensor([[22.4, 8.0, 32.0, 24.0]]))
    assert first["labels"].tolist() == [1]
    assert "1 boxes in" in caplog.text and "clipped" in caplog.text


def corrupt(folder: Path, case: str) -> None:
    """Spoil a good folder (train 3, val 1) in the way `case` names."""
    labels = folder / "labels" / "train"
    if case == "class out of range":
        (labels / "img0.txt").write_text("0 0.5 0.5 0.2 0.2\n5 0.5 0.5 0.2 0.2\n")
    elif case == "four fields":
        (labels / "img1.txt").write_text("\n0 0.5 0.5 0.2\n")
    elif case == "not a number":
        (labels / "img2.txt").write_text("0 0.5 abc 0.2 0.2\n")
    elif case == "outside the image":
        (labels / "img0.txt").write_text("1 1.5 0.5 0.2 0.2\n")
    elif case == "label without image":
        (labels / "ghost.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    elif case == "image does not decode":
        (folder / "images" / "train" / "broken.png").write_bytes(b"not a png at all")
    elif case == "empty split":
        for file in (folder / "images" / "val").iterdir():
            file.unlink()
    elif case == "no data.yaml":
        (folder / "data.yaml").unlink()
    elif case == "data.yaml without names":
        (folder / "data.yaml").write_text("nc: 2\n")


BAD_INPUT = {
    "class out of range": ["img0.txt, line 2: class id 5 is not one of the 2 classes"],
    "four fields": ["img1.txt, line 2 has 4 fields where a box needs 5"],
    "not a number": ["img2.txt, line 1: '0 0.5 abc 0.2 0.2' is not five numbers"],
    "outside the image": ["img0.txt, line 1: 1.5 0.5 0.2 0.2 are not all in [0, 1]"],
    "label without image": ["ghost.txt has no image of the same name in"],
    "image does not decode": ["broken.png is not an image that can be decoded"],
    "empty split": ["images/val holds no images"],
    "no data.yaml": ["data.yaml is missing"],
    "data.yaml without names": ["data.yaml has no 'names' list"],
    "no folder": ["data.path=", "no such folder"],
}


def fit_on(folder: Path) -> list[str]:
    return [
        "data=yolo_folder",
        f"data.path={folder}",
        "data.image_size=32",
        "trainer.max_epochs=1",
        "trainer.limit_train_batches=2",
        "trainer.limit_val_batches=1",
        "trainer.limit_test_batches=1",
    ]


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_stops_the_run_with_one_sentence(tmp_path, capsys, case):
    folder = write_folder(tmp_path / "set", {"train": 3, "val": 1})
    if case == "no folder":
        folder = tmp_path / "no-such-set"
    else:
        corrupt(folder, case)
    with pytest.raises(SystemExit) as stop:
        run_train(fit_on(folder), tmp_path / "run")
    assert stop.value.code == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["status"] == "failed"
    assert len(errors) == 1 and summary["error"] in errors[0]
    for phrase in BAD_INPUT[case]:
        assert phrase in summary["error"], summary["error"]


def test_the_command_line_trains_on_a_folder_and_names_a_bad_line(tmp_path):
    folder = write_folder(tmp_path / "set", {"train": 4, "val": 2})
    (folder / "labels" / "train" / "img3.txt").unlink()
    result = run_cli("train.py", [*fit_on(folder), f"hydra.run.dir={tmp_path / 'ok'}"])
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads((tmp_path / "ok" / "summary.json").read_text())["status"] == "ok"
    assert "1 of 4 images in" in result.stdout + result.stderr
    assert "the test split is the validation split" in result.stdout + result.stderr

    corrupt(folder, "class out of range")
    result = run_cli("train.py", [*fit_on(folder), f"hydra.run.dir={tmp_path / 'bad'}"])
    assert_fails_with(result, tmp_path / "bad", "img0.txt, line 2: class id 5")


def test_the_export_command_writes_the_layout(tmp_path, mnist_dir):
    out = tmp_path / "export"
    overrides = ["data.canvas_size=32", "data.digit_size=[10,16]", "data.train_canvases=6"]
    overrides += ["data.val_canvases=2", "data.test_canvases=2"]
    result = subprocess.run(
        [sys.executable, "-m", "litlab.data.yolo_export", str(out), *overrides],
        cwd=REPO,
        env={**os.environ, "DATA_DIR": str(mnist_dir)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    for split, n in (("train", 6), ("val", 2), ("test", 2)):
        assert len(list((out / "images" / split).glob("*.png"))) == n
        assert len(list((out / "labels" / split).glob("*.txt"))) == n
    assert yaml.safe_load((out / "data.yaml").read_text())["names"][9] == "9"
    with Image.open(out / "images" / "train" / "000000.png") as image:
        assert (image.mode, image.size) == ("L", (32, 32))


def test_the_export_command_refuses_data_without_boxes(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        export_main([str(tmp_path / "out"), "data=mnist"])
    assert stop.value.code == 1
    assert "has no boxes" in capsys.readouterr().err


def sized_folder(root: Path, sizes: list[tuple[int, int]]) -> Path:
    """A YOLO folder whose training images have these (w, h) sizes, one box each."""
    folder = write_folder(root, {"val": 1})
    for i, size in enumerate(sizes):
        line = write_image(folder / "images" / "train" / f"s{i}.png", size, RECT)
        (folder / "labels" / "train" / f"s{i}.txt").parent.mkdir(parents=True, exist_ok=True)
        (folder / "labels" / "train" / f"s{i}.txt").write_text(line)
    return folder


def composed_datamodule(overrides: list[str], tmp_path: Path) -> YOLOFolderDataModule:
    """The datamodule `python train.py <overrides>` builds from conf/data/yolo_folder.yaml."""
    import hydra.utils

    from tests.conftest import compose_cfg

    return hydra.utils.instantiate(compose_cfg(overrides, tmp_path / "run").data)


def test_the_image_size_follows_the_images_unless_given(tmp_path, caplog):
    folder = sized_folder(tmp_path / "set", [(96, 64), (64, 96), (80, 40)])
    caplog.set_level(logging.INFO, logger="litlab.data.box_folder")
    module = composed_datamodule(["data=yolo_folder", f"data.path={folder}"], tmp_path)
    module.setup("fit")
    assert module.image_size == 96 and module.spec.input_shape == (3, 96, 96)
    assert "Image size: 96 (the images' largest side, rounded up to 32)" in caplog.text
    # boxes still land on their pixels at the chosen size (a 96x64 image fills the width)
    first = module.train_set.targets()[0]["boxes"][0]
    assert torch.allclose(first, torch.tensor([4.0, 6.0 + 16, 14.0, 20.0 + 16]))

    given = ["data=yolo_folder", f"data.path={folder}", "data.image_size=128"]
    module = composed_datamodule(given, tmp_path)
    module.setup("fit")
    assert module.spec.input_shape == (3, 128, 128)

    folder = sized_folder(tmp_path / "odd", [(70, 50)])
    module = YOLOFolderDataModule(str(folder), channels=1)
    module.setup("fit")
    assert module.image_size == 96  # 70 rounded up to 32


def test_a_large_image_caps_the_chosen_size_at_640(tmp_path, caplog):
    folder = sized_folder(tmp_path / "set", [(1000, 200), (64, 64)])
    caplog.set_level(logging.INFO, logger="litlab.data.box_folder")
    module = YOLOFolderDataModule(str(folder), channels=1)
    module.setup("fit")
    assert module.spec.input_shape == (1, 640, 640)
    assert "Image size: 640" in caplog.text and "1000 px" in caplog.text


def write_roboflow(root: Path, counts: dict[str, int]) -> Path:
    """`root` as Roboflow's YOLO export writes it: <split>/images, <split>/labels (val as
    `valid`) and a data.yaml with its own keys beside `names`."""
    content = {
        "train": "../train/images",
        "val": "../valid/images",
        "test": "../test/images",
        "nc": 2,
        "names": ["box", "other"],
        "roboflow": {"workspace": "w", "project": "p", "version": 1},
    }
    root.mkdir(parents=True, exist_ok=True)
    (root / "data.yaml").write_text(yaml.safe_dump(content))
    for split, n in counts.items():
        for i in range(n):
            line = write_image(root / split / "images" / f"img{i}.jpg", (48, 40))
            (root / split / "labels").mkdir(parents=True, exist_ok=True)
            (root / split / "labels" / f"img{i}.txt").write_text(line)
    return root


def test_roboflow_yolo_export_is_read_with_its_splits(tmp_path):
    root = write_roboflow(tmp_path / "set", {"train": 3, "valid": 2, "test": 1})
    module = YOLOFolderDataModule(str(root))
    module.setup("fit")
    assert (len(module.train_set), len(module.val_set), len(module.test_set)) == (3, 2, 1)
    assert module.spec.input_shape == (3, 64, 64)  # 48 rounded up to 32
    box = module.train_set.targets()[0]["boxes"][0]  # 48x40 scaled by 64/48, 5.33 rows above
    scale, top = 64 / 48, (64 - round(40 * 64 / 48)) // 2
    x1, y1, x2, y2 = RECT
    assert torch.allclose(
        box, torch.tensor([x1 * scale, y1 * scale + top, x2 * scale, y2 * scale + top])
    )


def test_the_command_line_trains_on_a_roboflow_export(tmp_path):
    root = write_roboflow(tmp_path / "set", {"train": 4, "valid": 2, "test": 2})
    args = [a for a in fit_on(root) if not a.startswith("data.image_size")]
    result = run_cli("train.py", [*args, f"hydra.run.dir={tmp_path / 'ok'}"])
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((tmp_path / "ok" / "summary.json").read_text())
    assert summary["status"] == "ok" and np.isfinite(summary["metrics"]["test/map_50"])
    assert "the test split is the validation split" not in result.stdout + result.stderr
