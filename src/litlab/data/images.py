"""Base for image-classification datasets held in memory as uint8 tensors."""

from __future__ import annotations

from typing import Any

import torch

from litlab.data.augment import Augment
from litlab.data.base import LitDataModule, TensorBatches, split_generator
from litlab.data.folds import CVPool, Foldable
from litlab.data.spec import DataSpec
from litlab.errors import ConfigError


def channel_stats(images: torch.Tensor, max_value: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and std of uint8 (N, C, H, W) images scaled to [0, 1], as (1, C, 1, 1),
    accumulated in chunks so a large set never exists as floats all at once."""
    total = torch.zeros(images.shape[1], dtype=torch.float64)
    squares = torch.zeros_like(total)
    for chunk in images.split(256):
        x = chunk.double() / max_value
        total += x.sum(dim=(0, 2, 3))
        squares += x.pow(2).sum(dim=(0, 2, 3))
    n = images.numel() / images.shape[1]
    mean = total / n
    std = ((squares - n * mean**2) / max(n - 1, 1)).clamp_min(0).sqrt()
    return mean.float().view(1, -1, 1, 1), std.float().clamp_min(1e-6).view(1, -1, 1, 1)


class ImageDataModule(Foldable, LitDataModule):
    """Images as one (N, C, H, W) uint8 tensor per split; scaling, normalisation and augmentation
    run on whole batches after they reach the device.

    Subclasses implement `load_split(train)` returning (images, labels) and set `max_value`
    (the pixel value that maps to 1.0) and `class_names`. Normalisation statistics come from the
    training split only.
    """

    max_value: float = 255.0
    class_names: tuple[str, ...] = ()

    def __init__(
        self,
        data_dir: str = "data",
        batch_size: int = 128,
        val_size: float = 0.1,
        normalize: bool = True,
        augment: dict[str, Any] | None = None,
        num_workers: int = 0,
        pin_memory: bool = False,
        split_seed: int = 0,
    ) -> None:
        super().__init__(data_dir, batch_size, num_workers, pin_memory, split_seed)
        if not 0 < val_size < 1:
            raise ConfigError(f"data.val_size must be a fraction between 0 and 1, got {val_size}")
        self.val_size = val_size
        self.normalize = normalize
        self.augment = Augment(**(augment or {}))
        self.train_set: TensorBatches | None = None
        self.val_set: TensorBatches | None = None
        self.test_set: TensorBatches | None = None
        self.mean = torch.zeros(1)
        self.std = torch.ones(1)

    def load_split(self, train: bool) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def setup(self, stage: str | None = None) -> None:
        if self.train_set is None:
            images, labels = self.load_split(train=True)
            if self.fold is not None:  # cross-validation: the pool is the training split
                train_idx, val_idx = (torch.as_tensor(i) for i in self.fold)
            else:
                perm = torch.randperm(len(images), generator=split_generator(self.split_seed))
                n_val = max(1, round(self.val_size * len(images)))
                val_idx, train_idx = perm[:n_val], perm[n_val:]
            self.train_set = TensorBatches(images[train_idx], labels[train_idx])
            self.val_set = TensorBatches(images[val_idx], labels[val_idx])
            self._fit_stats(images[train_idx])
            counts = torch.bincount(labels[train_idx], minlength=len(self.class_names))
            self._spec = DataSpec(
                input_kind="image",
                input_shape=tuple(images.shape[1:]),
                target="class",
                num_classes=len(self.class_names),
                class_names=tuple(self.class_names),
                class_counts=tuple(int(c) for c in counts),
                mean=tuple(self.mean.flatten().tolist()) if self.normalize else (),
                std=tuple(self.std.flatten().tolist()) if self.normalize else (),
            )
        if stage in (None, "test", "predict") and self.test_set is None:
            self.test_set = TensorBatches(*self.load_split(train=False))

    def cv_pool(self, group: str | None = None) -> CVPool:
        """The training split (the normal run carves its val set from it), by class."""
        self.no_groups(group)
        _, labels = self.load_split(train=True)
        return CVPool(size=len(labels), labels=labels.numpy())

    def _fit_stats(self, images: torch.Tensor) -> None:
        self.mean, self.std = channel_stats(images, self.max_value)

    def prepare_batch(self, batch: Any, augment: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """A loader's uint8 batch as model inputs: scaled to [0, 1], augmented when `augment`
        (and augmentation is configured), normalised; labels as int64.

        Code outside Lightning's loops (helpers that read the training split for themselves)
        calls this with `augment=False`: `trainer.training` is already true while `setup()`
        runs, so asking the trainer would augment their images too.
        """
        x, y = batch
        x = x.float() / self.max_value
        if augment and self.augment.active:
            x = self.augment(x)
        if self.normalize:
            x = (x - self.mean.to(x.device)) / self.std.to(x.device)
        return x, y.long()

    def on_after_batch_transfer(self, batch: Any, dataloader_idx: int) -> Any:
        # Lightning calls this for the batches of its own loops: augment the training loop's
        training = self.trainer is not None and self.trainer.training
        return self.prepare_batch(batch, augment=training)
