"""predict.py as a user runs it: a trained checkpoint and a folder of image files in, drawn
images and a JSON of predictions out; bad inputs get one sentence."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from litlab.utils.summary import read_summary
from tests.conftest import run_cli

TINY_DETECTION = [
    "model=detector",
    "data=mnist_detection",
    "data.canvas_size=48",
    "data.digit_size=[16,24]",
    "data.digits_per_canvas=[1,2]",
    "data.train_canvases=64",
    "data.val_canvases=16",
    "data.test_canvases=16",
    "trainer.max_epochs=1",
]


@pytest.fixture(scope="module")
def detector_run(tmp_path_factory):
    from tests.conftest import SHARED_DATA, shared_mnist

    data = shared_mnist(SHARED_DATA)
    run = tmp_path_factory.mktemp("detector") / "run"
    result = run_cli(
        "train.py", [*TINY_DETECTION, f"hydra.run.dir={run}"], env={"DATA_DIR": str(data)}
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return run


def test_a_detector_run_leaves_its_figures(detector_run):
    summary = read_summary(detector_run)
    assert summary["status"] == "ok"
    assert {"test/map", "test/map_50", "test/map_75", "val/map_50_best"} <= set(summary["metrics"])
    for name in ("detections", "precision_recall"):
        with Image.open(detector_run / "figures" / f"{name}.png") as image:
            assert image.width > 200 and image.height > 200


def test_predict_writes_boxes_in_each_images_own_pixels(detector_run, tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    canvas = np.zeros((48, 48), dtype=np.uint8)
    canvas[10:30, 12:26] = 255
    Image.fromarray(canvas).save(inputs / "square.png")
    # twice the size and RGB: the boxes come back in this image's pixels
    Image.fromarray(np.kron(canvas, np.ones((2, 2), dtype=np.uint8))).convert("RGB").save(
        inputs / "big.jpg"
    )
    (inputs / "notes.txt").write_text("not an image")
    out = tmp_path / "out"
    result = run_cli(
        "predict.py",
        [
            f"ckpt_path={detector_run / 'checkpoints' / 'last.ckpt'}",
            f"inputs={inputs}",
            f"out={out}",
            "score_threshold=0.0",
        ],
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads((out / "detections.json").read_text())
    assert set(found) == {"square.png", "big.jpg"}
    for name, size in (("square.png", 48), ("big.jpg", 96)):
        assert found[name], "score_threshold=0 keeps the best boxes"
        for det in found[name]:
            assert set(det) == {"box", "class", "name", "score"}
            x1, y1, x2, y2 = det["box"]
            assert 0 <= x1 <= x2 <= size and 0 <= y1 <= y2 <= size
        with Image.open(out / f"{name.split('.')[0]}.png") as drawn:
            assert drawn.size == (size, size)
    # the same image at twice the size gives the same boxes, twice as large
    small = torch.tensor(found["square.png"][0]["box"])
    big = torch.tensor(found["big.jpg"][0]["box"])
    assert torch.allclose(big, 2 * small, atol=2.0)


def test_predict_with_a_classifier_lists_class_probabilities(tmp_path):
    run = tmp_path / "run"
    trained = run_cli("train.py", ["trainer.max_epochs=2", f"hydra.run.dir={run}"])
    assert trained.returncode == 0, trained.stderr[-3000:]
    from sklearn.datasets import load_digits

    digits = load_digits()
    inputs = tmp_path / "digits"
    inputs.mkdir()
    for i in range(20):  # 8x8 digits scaled from 0..16 to 0..255, as image files hold them
        Image.fromarray((digits.images[i] * 255 / 16).round().astype(np.uint8)).save(
            inputs / f"{i:02d}.png"
        )
    out = tmp_path / "out"
    result = run_cli(
        "predict.py",
        [f"ckpt_path={run / 'checkpoints' / 'last.ckpt'}", f"inputs={inputs}", f"out={out}"],
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads((out / "predictions.json").read_text())
    assert len(found) == 20
    assert all(
        sum(p["probabilities"].values()) == pytest.approx(1, abs=1e-3) for p in found.values()
    )
    correct = sum(found[f"{i:02d}.png"]["class"] == digits.target[i] for i in range(20))
    assert correct >= 17  # a 2-epoch digits CNN reads image files as it read its own data


@pytest.mark.parametrize(
    ("inputs", "sentence"),
    [
        ("missing-folder", "is neither an image file nor a folder."),
        ("empty", "holds no images"),
        ("broken", "is not an image that can be read"),
    ],
)
def test_predict_bad_inputs_get_one_sentence(detector_run, tmp_path, inputs, sentence):
    (tmp_path / "empty").mkdir()
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "x.png").write_bytes(b"not a png")
    result = run_cli(
        "predict.py",
        [f"ckpt_path={detector_run / 'checkpoints' / 'last.ckpt'}", f"inputs={tmp_path / inputs}"],
    )
    assert result.returncode == 1
    assert sentence in result.stderr and "Traceback" not in result.stderr


def test_predict_refuses_a_model_it_cannot_read_images_for(tmp_path):
    run = tmp_path / "run"
    trained = run_cli("train.py", ["data=wine", "trainer.max_epochs=1", f"hydra.run.dir={run}"])
    assert trained.returncode == 0, trained.stderr[-3000:]
    result = run_cli(
        "predict.py", [f"ckpt_path={run / 'checkpoints' / 'last.ckpt'}", f"inputs={tmp_path}"]
    )
    assert result.returncode == 1
    assert "predict.py reads image files for detectors and image classifiers" in result.stderr
