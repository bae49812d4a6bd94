"""Base for detection datasets held in memory: images plus a variable number of boxes each.

Batches reach the model in torchvision's convention (DESIGN.md, Boxes): images as one
(N, C, H, W) tensor, targets as a list of `{"boxes": (K, 4) x1y1x2y2 pixels, "labels": (K,)}`.
On the way there they travel padded, as (images, boxes, labels) tensors with label -1 marking
padding, so a loader serves a whole batch with one indexing operation.
"""

from __future__ import annotations

from typing import Any

import torch

from litlab.data.base import LitDataModule, TensorBatches
from litlab.data.box_augment import BoxAugment
from litlab.data.images import channel_stats
from litlab.data.mosaic import Mosaic
from litlab.data.spec import DataSpec
from litlab.errors import ConfigError, DataError

Targets = list[dict[str, torch.Tensor]]


def pad_boxes(
    boxes: list[torch.Tensor], labels: list[torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Lists of (K_i, 4) boxes and (K_i,) labels as (N, K, 4) and (N, K), labels -1 past K_i."""
    k = max([len(b) for b in boxes] + [1])
    padded_boxes = torch.zeros(len(boxes), k, 4)
    padded_labels = torch.full((len(boxes), k), -1, dtype=torch.long)
    for i, (b, lab) in enumerate(zip(boxes, labels, strict=True)):
        padded_boxes[i, : len(b)] = b
        padded_labels[i, : len(lab)] = lab
    return padded_boxes, padded_labels


def unpad_boxes(boxes: torch.Tensor, labels: torch.Tensor) -> Targets:
    """(N, K, 4) boxes and (N, K) labels (-1 = padding) as torchvision's list of dicts."""
    keep = labels >= 0
    return [
        {"boxes": b[m], "labels": lab[m]} for b, lab, m in zip(boxes, labels, keep, strict=True)
    ]


class BoxSet(TensorBatches):
    """Images (N, C, H, W) uint8 with padded boxes (N, K, 4) and labels (N, K)."""

    def __init__(self, images: torch.Tensor, boxes: torch.Tensor, labels: torch.Tensor) -> None:
        super().__init__(images, boxes, labels)

    @property
    def images(self) -> torch.Tensor:
        return self.tensors[0]

    def targets(self, index: slice | list[int] | None = None) -> Targets:
        boxes, labels = self.tensors[1], self.tensors[2]
        if index is not None:
            boxes, labels = boxes[index], labels[index]
        return unpad_boxes(boxes, labels)


class DetectionDataModule(LitDataModule):
    """Detection data as three in-memory `BoxSet`s; pixels are scaled, normalised and
    augmented (boxes with them) on whole batches after they reach the device.

    Subclasses implement `load_splits()` returning train, val and test `BoxSet`s and set
    `class_names`. `flip` in `augment` is only honoured when the classes allow mirroring;
    `augment.mosaic` is the share of training images tiled into mosaics (`Mosaic`) before the
    zoom, shift and flip.
    """

    max_value: float = 255.0
    class_names: tuple[str, ...] = ()

    def __init__(
        self,
        data_dir: str = "data",
        batch_size: int = 32,
        normalize: bool = True,
        augment: dict[str, Any] | None = None,
        num_workers: int = 0,
        pin_memory: bool = False,
        split_seed: int = 0,
    ) -> None:
        super().__init__(data_dir, batch_size, num_workers, pin_memory, split_seed)
        self.normalize = normalize
        augment = dict(augment or {})
        mosaic = float(augment.pop("mosaic", 0.0))
        if not 0 <= mosaic <= 1:
            raise ConfigError(f"data.augment.mosaic must be a share between 0 and 1, got {mosaic}.")
        self.augment = BoxAugment(**augment)
        self.mosaic = Mosaic(mosaic if self.augment.enabled else 0.0, self.augment.min_visible)
        self.train_set: BoxSet | None = None
        self.val_set: BoxSet | None = None
        self.test_set: BoxSet | None = None
        self.mean = torch.zeros(1)
        self.std = torch.ones(1)

    def load_splits(self) -> tuple[BoxSet, BoxSet, BoxSet]:
        raise NotImplementedError

    def spec_extra(self) -> dict[str, Any]:
        """Plain facts about the data beyond the common spec fields (the spec's `extra`)."""
        return {}

    def setup(self, stage: str | None = None) -> None:
        if self.train_set is not None:
            return
        self.train_set, self.val_set, self.test_set = self.load_splits()
        for name, split in (("train", self.train_set), ("val", self.val_set)):
            if len(split) == 0:
                raise DataError(f"the {name} split of {type(self).__name__} holds no images.")
        images = self.train_set.images
        self.mean, self.std = channel_stats(images, self.max_value)
        labels = self.train_set.tensors[2]
        counts = torch.bincount(labels[labels >= 0], minlength=len(self.class_names))
        self._spec = DataSpec(
            input_kind="image",
            input_shape=tuple(images.shape[1:]),
            target="boxes",
            num_classes=len(self.class_names),
            class_names=tuple(self.class_names),
            class_counts=tuple(int(c) for c in counts),
            mean=tuple(self.mean.flatten().tolist()) if self.normalize else (),
            std=tuple(self.std.flatten().tolist()) if self.normalize else (),
            extra=self.spec_extra(),
        )

    def prepare_batch(self, batch: Any, augment: bool = False) -> tuple[torch.Tensor, Targets]:
        """A loader's padded uint8 batch as model inputs: pixels in [0, 1], augmented with
        their boxes when `augment`, normalised; targets as torchvision's list of dicts."""
        images, boxes, labels = batch
        x = images.float() / self.max_value
        if augment and self.mosaic.active:
            x, boxes, labels = self.mosaic(x, boxes, labels)
        if augment and self.augment.active:
            x, boxes, labels = self.augment(x, boxes, labels)
        if self.normalize:
            x = (x - self.mean.to(x.device)) / self.std.to(x.device)
        return x, unpad_boxes(boxes, labels)

    def on_after_batch_transfer(self, batch: Any, dataloader_idx: int) -> Any:
        training = self.trainer is not None and self.trainer.training
        return self.prepare_batch(batch, augment=training)
