"""CIFAR-10 and CIFAR-100 from their python pickles (`cifar-10-batches-py/`, `cifar-100-python/`).

The batches are read here rather than through torchvision's dataset classes, whose md5 check
rejects any file it did not download itself; torchvision still does the real download.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import torch

from litlab.data.download import ensure_files
from litlab.data.images import ImageDataModule
from litlab.errors import DataError


def read_pickle(path: Path) -> dict[bytes, Any]:
    try:
        with path.open("rb") as f:
            return pickle.load(f, encoding="bytes")
    except Exception as exc:
        raise DataError(
            f"{path} cannot be read as a CIFAR pickle ({exc}); it is corrupt."
        ) from None


class CIFAR10DataModule(ImageDataModule):
    """32x32 colour images in 10 classes; 50,000 train / 10,000 test."""

    folder = "cifar-10-batches-py"
    train_files = tuple(f"data_batch_{i}" for i in range(1, 6))
    test_files = ("test_batch",)
    meta_file, names_key, labels_key = "batches.meta", b"label_names", b"labels"
    torchvision_name = "CIFAR10"

    @property
    def root(self) -> Path:
        return Path(self.data_dir) / self.folder

    def prepare_data(self) -> None:
        from torchvision import datasets

        ensure_files(
            self.root,
            [*self.train_files, *self.test_files, self.meta_file],
            self.torchvision_name,
            lambda: getattr(datasets, self.torchvision_name)(self.data_dir, download=True),
        )

    def load_split(self, train: bool) -> tuple[torch.Tensor, torch.Tensor]:
        self.prepare_data()
        meta = read_pickle(self.root / self.meta_file)
        self.class_names = tuple(n.decode() for n in meta[self.names_key])
        images, labels = [], []
        for name in self.train_files if train else self.test_files:
            batch = read_pickle(self.root / name)
            try:
                data = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
                target = np.asarray(batch[self.labels_key], dtype=np.int64)
            except (KeyError, ValueError) as exc:
                raise DataError(f"{self.root / name} is not a CIFAR batch ({exc}).") from None
            if len(data) != len(target):
                raise DataError(f"{self.root / name} has {len(data)} images, {len(target)} labels.")
            images.append(data)
            labels.append(target)
        return torch.from_numpy(np.concatenate(images)), torch.from_numpy(np.concatenate(labels))


class CIFAR100DataModule(CIFAR10DataModule):
    """32x32 colour images in 100 fine classes; 50,000 train / 10,000 test."""

    folder = "cifar-100-python"
    train_files = ("train",)
    test_files = ("test",)
    meta_file, names_key, labels_key = "meta", b"fine_label_names", b"fine_labels"
    torchvision_name = "CIFAR100"
