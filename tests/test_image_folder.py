"""data=image_folder: a folder per class read into the pixels the files hold, split per class,
streamed from disk the same way when over the memory limit, and bad layouts named."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from litlab.data import ImageFolderDataModule
from litlab.data.image_folder import ImageFiles
from litlab.data.spec import DataSpec
from tests.conftest import run_train


def write_classes(root: Path, counts: dict[str, int], size: int = 12, seed: int = 0) -> Path:
    """`counts[name]` random RGB PNGs of `size` x `size` in `root/<name>/`."""
    rng = np.random.default_rng(seed)
    for name, n in counts.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i:03d}.png")
    return root


def pixels_of(file: Path) -> torch.Tensor:
    return torch.from_numpy(np.array(Image.open(file).convert("RGB"))).permute(2, 0, 1)


def test_a_folder_per_class_gives_class_names_per_class_splits_and_the_files_pixels(tmp_path):
    root = write_classes(tmp_path / "set", {"cat": 10, "dog": 20, "owl": 10})
    data = ImageFolderDataModule(str(root), image_size=12, val_size=0.1, test_size=0.2)
    data.setup("fit")
    assert data.class_names == ("cat", "dog", "owl")
    assert data.spec.class_names == ("cat", "dog", "owl")
    assert data.spec.input_shape == (3, 12, 12) and data.spec.target == "class"
    # every class split on its own: 10 -> 7/1/2, 20 -> 14/2/4
    for split, counts in {"train": [7, 14, 7], "val": [1, 2, 1], "test": [2, 4, 2]}.items():
        images, labels = data.split_set(split).tensors
        assert torch.bincount(labels, minlength=3).tolist() == counts, split
        assert images.dtype == torch.uint8 and images.shape[1:] == (3, 12, 12)
    assert data.spec.class_counts == (7, 14, 7)
    # the tensors are the files' pixels (same size: no resampling), each file in one split
    images, labels = data.train_set.tensors
    files = sorted((root / "dog").glob("*.png"))
    decoded = torch.stack([pixels_of(f) for f in files])
    matches = [(decoded == image).flatten(1).all(1).nonzero().flatten() for image in images]
    dog = [int(m) for m, label in zip(matches, labels, strict=True) if label == 1]
    assert len(dog) == 14 and len(set(dog)) == 14
    again = ImageFolderDataModule(str(root), image_size=12, val_size=0.1, test_size=0.2)
    again.setup("fit")
    assert torch.equal(again.test_set.tensors[0], data.test_set.tensors[0])


def test_images_are_resized_and_centre_cropped_to_the_square(tmp_path):
    root = tmp_path / "set"
    for name in ("a", "b"):
        (root / name).mkdir(parents=True)
        for i in range(3):
            pixels = np.zeros((20, 40), dtype=np.uint8)  # wide: a white band in the middle
            pixels[:, 10:30] = 255
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    data = ImageFolderDataModule(str(root), image_size=10, channels=1, val_size=0.3, test_size=0.3)
    data.setup("fit")
    image = data.train_set.tensors[0][0]
    assert image.shape == (1, 10, 10)
    # 40x20 -> 20x10, the centre 10 columns: the middle band (its edges softened by antialiasing)
    assert int(image[..., 1:-1].min()) == 255 and int(image.min()) > 128
    stretched = ImageFolderDataModule(
        str(root), image_size=10, channels=1, fit="stretch", val_size=0.3, test_size=0.3
    )
    stretched.setup("fit")
    assert int(stretched.train_set.tensors[0][0][..., 0].max()) < 64  # the black sides kept


def test_existing_train_val_test_folders_are_the_splits(tmp_path):
    for split, n in {"train": 4, "val": 2, "test": 3}.items():
        write_classes(tmp_path / "set" / split, {"a": n, "b": n}, seed=len(split))
    data = ImageFolderDataModule(str(tmp_path / "set"), image_size=12)
    data.setup("fit")
    assert data.class_names == ("a", "b")
    sizes = [len(data.split_set(s)) for s in ("train", "val", "test")]
    assert sizes == [8, 4, 6]
    test_files = sorted((tmp_path / "set" / "test" / "a").glob("*.png"))
    assert torch.equal(data.test_set.tensors[0][0], pixels_of(test_files[0]))


def test_over_the_memory_limit_the_images_stream_from_disk_as_the_same_batches(tmp_path):
    root = write_classes(tmp_path / "set", {"a": 12, "b": 12})
    held = ImageFolderDataModule(str(root), image_size=8, batch_size=5)
    streamed = ImageFolderDataModule(str(root), image_size=8, batch_size=5, memory_limit_mb=0)
    held.setup("fit")
    streamed.setup("fit")
    assert held.in_memory and not streamed.in_memory
    assert isinstance(streamed.train_set, ImageFiles)
    assert held.spec == streamed.spec  # same normalisation statistics
    for split in ("train", "val", "test"):
        loader = getattr(held, f"{split}_dataloader")
        other = getattr(streamed, f"{split}_dataloader")
        torch.manual_seed(3)
        a = [held.prepare_batch(b) for b in loader()]
        torch.manual_seed(3)
        b = [streamed.prepare_batch(b) for b in other()]
        assert len(a) == len(b) > 0
        for (xa, ya), (xb, yb) in zip(a, b, strict=True):
            assert torch.equal(xa, xb) and torch.equal(ya, yb)


def spoil(root: Path, case: str) -> Path:
    """A good folder (two classes of four images) spoiled as `case` says; returns data.path."""
    if case == "no folder":
        return root / "missing"
    write_classes(root, {"cat": 4, "dog": 4})
    if case == "no class folders":
        for file in root.rglob("*.png"):
            file.rename(root / f"{file.parent.name}{file.name}")
        for folder in ("cat", "dog"):
            (root / folder).rmdir()
    elif case == "a class without images":
        (root / "emu").mkdir()
        (root / "emu" / "notes.txt").write_text("no images here")
    elif case == "an image that does not decode":
        (root / "dog" / "broken.png").write_bytes(b"not a png at all")
    return root


BAD_LAYOUTS = {
    "no folder": "missing: no such folder; it should hold one folder of images per class",
    "no class folders": "holds no class folders; the layout is",
    "a class without images": "the class folder",
    "an image that does not decode": "broken.png is not an image that can be decoded",
}


@pytest.mark.parametrize("case", list(BAD_LAYOUTS))
def test_a_bad_layout_stops_the_run_with_one_sentence(tmp_path, capsys, case):
    root = spoil(tmp_path / "set", case)
    overrides = [
        "data=image_folder",
        f"data.path={root}",
        "data.image_size=8",
        "model/net=mlp",
        "trainer.max_epochs=1",
    ]
    with pytest.raises(SystemExit) as stop:
        run_train(overrides, tmp_path / "run")
    assert stop.value.code == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["status"] == "failed"
    assert len(errors) == 1 and summary["error"] in errors[0]
    assert BAD_LAYOUTS[case] in summary["error"], summary["error"]
    if case == "a class without images":
        assert f"{root / 'emu'} holds no images" in summary["error"]


def test_the_class_names_reach_the_model_and_its_confusion_matrix(tmp_path):
    root = write_classes(tmp_path / "set", {"cat": 6, "dog": 6})
    summary = run_train(
        [
            "data=image_folder",
            f"data.path={root}",
            "data.image_size=8",
            "model/net=mlp",
            "trainer.max_epochs=1",
        ],
        tmp_path / "run",
    )
    checkpoint = torch.load(summary["best_checkpoint"], weights_only=True)
    spec = DataSpec.from_dict(checkpoint["hyper_parameters"]["spec"])
    assert spec.class_names == ("cat", "dog")
    assert (tmp_path / "run" / "figures" / "confusion_matrix.png").is_file()

    # predict.py reads a new file of another size as the data read the training files
    from litlab.data.image_folder import decode
    from litlab.predictions.images import load_image

    new = tmp_path / "new.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (20, 30, 3), np.uint8)).save(new)
    loaded = load_image(new, spec, adapt=False)
    assert torch.equal(loaded.pixels, decode(new, 3, 8, "crop"))
