"""Detection data: canvases made from the right MNIST files, fixed test canvases, the layout
limits in config, and augmentation that moves boxes with their pixels."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from litlab.data.box_augment import BoxAugment
from litlab.data.detection import pad_boxes, unpad_boxes
from litlab.data.mnist_detection import MNISTDetectionDataModule, box_iou
from litlab.data.mosaic import Mosaic
from tests.fakes import write_mnist

SMALL = dict(
    canvas_size=64, digit_size=(14, 30), train_canvases=60, val_canvases=20, test_canvases=30
)


@pytest.fixture
def fake_mnist(tmp_path):
    """MNIST files where every training digit is a 3 and every t10k digit a 7."""
    write_mnist(tmp_path, n_train=200, n_test=100, train_label=3, test_label=7)
    return tmp_path


def test_canvases_come_from_their_own_files(fake_mnist):
    data = MNISTDetectionDataModule(str(fake_mnist), **SMALL)
    data.setup()
    for split, label in ((data.train_set, 3), (data.val_set, 3), (data.test_set, 7)):
        labels = split.tensors[2]
        assert set(labels[labels >= 0].tolist()) == {label}
    assert data.spec.target == "boxes" and data.spec.input_shape == (1, 64, 64)


def test_test_canvases_never_change_and_split_seed_moves_only_train_and_val(mnist_dir):
    a = MNISTDetectionDataModule(str(mnist_dir), **SMALL)
    b = MNISTDetectionDataModule(str(mnist_dir), **SMALL, split_seed=1)
    again = MNISTDetectionDataModule(str(mnist_dir), **SMALL)
    for d in (a, b, again):
        d.setup()
    assert torch.equal(a.test_set.images, b.test_set.images)
    assert torch.equal(a.train_set.images, again.train_set.images)
    assert not torch.equal(a.train_set.images, b.train_set.images)


def test_layout_limits_hold(mnist_dir):
    data = MNISTDetectionDataModule(
        str(mnist_dir), **{**SMALL, "digits_per_canvas": (2, 3), "max_iou": 0.05}
    )
    data.setup()
    counts = (data.train_set.tensors[2] >= 0).sum(dim=1)
    assert counts.max() <= 3 and counts.float().mean() > 1.8  # a few may not fit
    for target in data.train_set.targets():
        boxes = target["boxes"].numpy()
        assert (boxes >= 0).all() and (boxes <= 64).all()
        for i in range(len(boxes)):
            assert box_iou(boxes[i], np.delete(boxes, i, axis=0)).max(initial=0) <= 0.05 + 1e-6
    # every box is tight around ink: its edges hold bright pixels
    image, target = data.train_set.images[0, 0], data.train_set.targets([0])[0]
    for x1, y1, x2, y2 in target["boxes"].long().tolist():
        patch = image[y1:y2, x1:x2]
        assert patch[0].max() >= 64 and patch[-1].max() >= 64
        assert patch[:, 0].max() >= 64 and patch[:, -1].max() >= 64


def test_digit_size_outside_the_canvas_is_refused(tmp_path):
    from litlab.errors import ConfigError

    with pytest.raises(ConfigError, match=r"data\.digit_size"):
        MNISTDetectionDataModule(str(tmp_path), canvas_size=32, digit_size=(20, 40))


def test_padding_round_trip():
    boxes = [
        torch.tensor([[1.0, 2, 3, 4]]),
        torch.zeros(0, 4),
        torch.tensor([[0.0, 0, 5, 5], [1, 1, 2, 2]]),
    ]
    labels = [torch.tensor([4]), torch.zeros(0, dtype=torch.long), torch.tensor([0, 9])]
    back = unpad_boxes(*pad_boxes(boxes, labels))
    for b, lab, t in zip(boxes, labels, back, strict=True):
        assert torch.equal(t["boxes"], b) and torch.equal(t["labels"], lab)


@pytest.mark.parametrize("flip", [False, True])
def test_augmentation_moves_boxes_with_their_pixels(flip):
    torch.manual_seed(0)
    x = torch.zeros(16, 1, 64, 64)
    boxes = torch.tensor([[[10.0, 12, 30, 40], [40, 8, 56, 20]]]).repeat(16, 1, 1)
    labels = torch.tensor([[1, 2]]).repeat(16, 1)
    for x1, y1, x2, y2 in boxes[0].long().tolist():
        x[:, :, y1:y2, x1:x2] = 1.0
    augment = BoxAugment(scale=(0.7, 1.3), translate=0.15, flip=flip)
    out, moved, kept = augment(x, boxes, labels)
    assert not torch.equal(out, x)
    checked = 0
    for image, image_boxes, image_labels in zip(out, moved, kept, strict=True):
        for (x1, y1, x2, y2), label in zip(
            image_boxes.tolist(), image_labels.tolist(), strict=True
        ):
            if label < 0:
                continue
            inner = image[0, round(y1) + 2 : round(y2) - 2, round(x1) + 2 : round(x2) - 2]
            assert inner.numel() == 0 or inner.min() > 0.9  # the box covers the white rectangle
            ring = image[
                0, max(0, round(y1) - 3) : round(y2) + 3, max(0, round(x1) - 3) : round(x2) + 3
            ]
            assert (
                ring.sum() <= (x2 - x1 + 2) * (y2 - y1 + 2) + 1e-3 + inner.numel()
            )  # no more white
            checked += 1
    assert checked >= 16
    if flip:  # some images mirrored: a left box ended up on the right
        assert (moved[:, 0, 0] > 32).any()


def test_augmentation_drops_boxes_pushed_out():
    augment = BoxAugment(scale=(1.0, 1.0), translate=0.0)
    boxes = torch.tensor([[[-30.0, 0, 5, 10], [10, 10, 20, 20]]])  # the first is 1/7 inside
    moved, kept = augment._move_boxes(
        boxes, torch.tensor([[1, 2]]), torch.ones(1), torch.zeros(1, 2), torch.ones(1), 64, 64
    )
    assert kept.tolist() == [[-1, 2]]
    assert moved[0, 0, 0] == 0


def test_mosaic_moves_boxes_with_their_pixels():
    """Each source object is a rectangle of its own value (its label encodes it): after the
    mosaic every kept box must cover exactly pixels of that value, and every object pixel
    still visible in a mosaic belongs to a kept box or to a box left out as mostly cut."""
    torch.manual_seed(0)
    n, h, w = 8, 48, 64
    x = torch.zeros(n, 1, h, w)
    boxes = torch.zeros(n, 2, 4)
    labels = torch.zeros(n, 2, dtype=torch.long)
    for i in range(n):
        for j, (x1, y1) in enumerate(((4 + 3 * i, 6 + i), (30 + 2 * i, 20 + i))):
            box = [x1, y1, x1 + 14, y1 + 12]
            boxes[i, j] = torch.tensor(box, dtype=torch.float)
            labels[i, j] = 2 * i + j
            x[i, 0, box[1] : box[3], box[0] : box[2]] = (2 * i + j + 1) / (2 * n)
    out, moved, kept = Mosaic(p=1.0, min_visible=0.6)(x, boxes, labels)
    assert moved.shape == (n, 8, 4) and not torch.equal(out, x)
    kept_boxes = 0
    for image, image_boxes, image_labels in zip(out, moved, kept, strict=True):
        covered = torch.zeros(h, w, dtype=torch.bool)
        pairs = zip(image_boxes.long().tolist(), image_labels.tolist(), strict=True)
        for (x1, y1, x2, y2), label in pairs:
            if label < 0:
                continue
            assert x2 > x1 and y2 > y1
            patch = image[0, y1:y2, x1:x2]
            assert torch.allclose(patch, torch.full_like(patch, (label + 1) / (2 * n)))
            covered[y1:y2, x1:x2] = True
            kept_boxes += 1
        stray = (image[0] > 0) & ~covered  # pieces of objects cut below min_visible
        assert stray.sum() <= 0.6 * 14 * 12 * 8
    assert kept_boxes >= n  # most mosaics keep objects
    assert (kept >= 0).sum(1).max() > 2  # objects from more than one image in a mosaic


def test_mosaic_off_leaves_the_batch_alone():
    x, boxes, labels = torch.rand(4, 1, 8, 8), torch.zeros(4, 1, 4), torch.zeros(4, 1).long()
    out = Mosaic(p=0.0)(x, boxes, labels)
    assert out[0] is x and out[1] is boxes and out[2] is labels
