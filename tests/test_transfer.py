"""Transfer learning: torchvision backbones built for the data and loaded from a local file,
gradual unfreezing at a smaller backbone rate (and across a resume), and a fine-tuned net that
beats the same net trained from scratch on a small image folder of real digits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import pytorch_lightning as pl
import torch
from PIL import Image

from litlab.data.mnist import read_idx
from litlab.errors import DataError
from litlab.nets import TorchvisionNet
from tests.conftest import run_train

SMALL = {"width_mult": 0.5}  # a narrow MobileNetV3-Small: quick on a CPU


def mnist_folder(mnist_dir: Path, out: Path, digits: range, counts: dict[str, int]) -> Path:
    """The first MNIST training images of `digits` as PNGs in `out/<split>/digit<d>/`,
    `counts[split]` of each digit per split (train/val/test), no image in two splits."""
    raw = mnist_dir / "MNIST" / "raw"
    images = read_idx(raw / "train-images-idx3-ubyte", 3)
    labels = read_idx(raw / "train-labels-idx1-ubyte", 1)
    for d in digits:
        index = iter(np.flatnonzero(labels == d))
        for split, n in counts.items():
            folder = out / split / f"digit{d}"
            folder.mkdir(parents=True, exist_ok=True)
            for _ in range(n):
                i = next(index)
                Image.fromarray(images[i]).save(folder / f"{i}.png")
    return out


# ---------------------------------------------------------------------------- the net
def test_a_local_state_dict_loads_with_grey_filters_summed_and_a_new_head(tmp_path):
    source = TorchvisionNet((3, 32, 32), 1000, options=SMALL).model
    torch.save(source.state_dict(), tmp_path / "weights.pth")
    net = TorchvisionNet(
        (1, 32, 32), 4, pretrained=str(tmp_path / "weights.pth"), options=SMALL
    ).model
    rgb, grey = source.features[0][0].weight, net.features[0][0].weight
    assert grey.shape[1] == 1 and torch.allclose(grey, rgb.sum(1, keepdim=True))
    assert net.classifier[-1].out_features == 4  # the head is the data's, fresh
    assert torch.equal(net.classifier[0].weight, source.classifier[0].weight)
    assert torch.equal(net.features[5].block[0][0].weight, source.features[5].block[0][0].weight)
    assert net(torch.randn(2, 1, 32, 32)).shape == (2, 4)


def test_freeze_until_freezes_exactly_the_modules_before_it():
    net = TorchvisionNet((3, 32, 32), 3, arch="resnet18", freeze_until="layer4")
    frozen = {n.split(".")[0] for n, p in net.model.named_parameters() if not p.requires_grad}
    trained = {n.split(".")[0] for n, p in net.model.named_parameters() if p.requires_grad}
    assert frozen == {"conv1", "bn1", "layer1", "layer2", "layer3"}
    assert trained == {"layer4", "fc"}
    assert all(not p.requires_grad for p in net.backbone.parameters())
    assert net.model.fc.out_features == 3


def test_imagenet_weights_offline_stop_with_the_local_file_alternative(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # no cached download to fall back on
    with pytest.raises(DataError) as error:
        TorchvisionNet((3, 32, 32), 2, pretrained="imagenet")
    message = str(error.value)
    assert "cannot be downloaded" in message
    assert "model.net.pretrained=/path/to/mobilenet_v3_small-047dcff4.pth" in message


# ---------------------------------------------------------------------------- unfreezing
class LearningRecord(pl.Callback):
    """Per training batch: whether any backbone parameter got a gradient, and the learning
    rates of the optimizer's groups."""

    last: LearningRecord | None = None

    def __init__(self) -> None:
        self.backbone_grads: list[bool] = []
        self.epochs: list[int] = []
        self.rates: list[list[float]] = []
        LearningRecord.last = self

    def on_before_optimizer_step(self, trainer, pl_module, optimizer) -> None:
        grads = [p.grad for p in pl_module.net.backbone.parameters()]
        self.backbone_grads.append(any(g is not None and bool(g.abs().sum()) for g in grads))
        self.epochs.append(trainer.current_epoch)
        self.rates.append([group["lr"] for group in optimizer.param_groups])


def finetune_overrides(folder: Path, epochs: int, *extra: str) -> list[str]:
    return [
        "data=image_folder",
        f"data.path={folder}",
        "data.image_size=16",
        "data.channels=1",
        "data.batch_size=10",
        "model/net=mobilenet_v3_small",
        "+model.net.options.width_mult=0.5",
        "model.net.freeze_until=classifier",
        "callbacks=finetune",
        "callbacks.backbone_finetuning.unfreeze_at_epoch=1",
        "callbacks.backbone_finetuning.backbone_lr_ratio=0.25",
        "+callbacks.record._target_=tests.test_transfer.LearningRecord",
        f"trainer.max_epochs={epochs}",
        "trainer.limit_train_batches=2",
        "test=false",
        *extra,
    ]


@pytest.fixture
def small_folder(tmp_path, mnist_dir) -> Path:
    return mnist_folder(mnist_dir, tmp_path / "digits", range(3), {"train": 8, "val": 4})


def test_the_backbone_learns_from_the_unfreeze_epoch_at_its_share_of_the_rate_resumed_or_not(
    tmp_path, small_folder, one_thread
):
    every_epoch = [
        "+callbacks.every._target_=pytorch_lightning.callbacks.ModelCheckpoint",
        f"+callbacks.every.dirpath={tmp_path / 'every'}",
        "+callbacks.every.filename='{epoch}'",
        "+callbacks.every.save_top_k=-1",
        "+callbacks.every.monitor=val/loss",  # a state key of its own
        "+callbacks.every.save_on_train_epoch_end=true",  # as last.ckpt is saved
    ]
    whole = run_train([*finetune_overrides(small_folder, 3), *every_epoch], tmp_path / "whole")
    record = LearningRecord.last
    assert record.epochs == [0, 0, 1, 1, 2, 2]  # two batches an epoch
    assert record.backbone_grads == [False, False, True, True, True, True]
    assert [len(r) for r in record.rates] == [1, 1, 2, 2, 2, 2]
    for head, backbone in (r for r in record.rates if len(r) == 2):
        assert backbone == pytest.approx(0.25 * head)
    # the cosine schedule moved the head's rate between the epochs; the backbone's followed
    assert record.rates[4][0] < record.rates[2][0] < record.rates[0][0]

    checkpoint = tmp_path / "every" / "epoch=1.ckpt"  # after epoch 1, the first with the backbone
    resumed = run_train(
        [*finetune_overrides(small_folder, 3), f"ckpt_path='{checkpoint}'"], tmp_path / "resumed"
    )
    record = LearningRecord.last
    # the backbone trains on in epoch 2, in its own group, at its share of the rate
    assert record.epochs == [2, 2] and record.backbone_grads == [True, True]
    assert all(b == pytest.approx(0.25 * h) for h, b in record.rates)
    assert float(resumed["metrics"]["val/loss"]) == float(whole["metrics"]["val/loss"])


# ---------------------------------------------------------------------------- quality
DIGITS = [
    "data=image_folder",
    "data.image_size=28",
    "data.channels=1",
    "data.augment.flip=false",
    "model/net=mobilenet_v3_small",
    "+model.net.options.width_mult=0.5",
    "baselines=false",
]
FEW_SHOT = ["data.batch_size=10", "model.optimizer.lr=3e-3", "trainer.max_epochs=8"]


@pytest.mark.slow
def test_a_net_pretrained_on_other_digits_fine_tunes_past_the_same_net_from_scratch(
    tmp_path, mnist_dir, one_thread
):
    # pretrained on digits 0-4 (100 a class); then ten images a class of digits 5-9
    other = mnist_folder(mnist_dir, tmp_path / "0-4", range(5), {"train": 100, "val": 20})
    few = mnist_folder(
        mnist_dir, tmp_path / "5-9", range(5, 10), {"train": 10, "val": 10, "test": 50}
    )
    pretrain = run_train(
        [*DIGITS, f"data.path={other}", "data.batch_size=32", "trainer.max_epochs=5"],
        tmp_path / "pretrain",
    )
    weights = tmp_path / "pretrained.pth"
    state = torch.load(pretrain["best_checkpoint"], weights_only=True)["state_dict"]
    prefix = "net.model."
    torch.save(
        {k.removeprefix(prefix): v for k, v in state.items() if k.startswith(prefix)}, weights
    )
    fine_tuned = run_train(
        [
            *DIGITS,
            *FEW_SHOT,
            f"data.path={few}",
            f"model.net.pretrained={weights}",
            "model.net.freeze_until=classifier",
            "callbacks=finetune",
            "callbacks.backbone_finetuning.unfreeze_at_epoch=4",  # the head alone for half
        ],
        tmp_path / "fine_tuned",
    )
    scratch = run_train([*DIGITS, *FEW_SHOT, f"data.path={few}"], tmp_path / "scratch")
    tuned_acc, scratch_acc = (float(r["metrics"]["test/acc"]) for r in (fine_tuned, scratch))
    # measured (seeds 0, 1, 2): see docs/transfer.md
    assert tuned_acc >= scratch_acc + 0.10, (tuned_acc, scratch_acc)
