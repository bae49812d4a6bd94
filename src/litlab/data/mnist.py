"""MNIST in torchvision's on-disk layout: `<data_dir>/MNIST/raw/*-ubyte`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from litlab.data.download import ensure_files
from litlab.data.images import ImageDataModule
from litlab.errors import DataError

FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path: Path, ndim: int) -> np.ndarray:
    """Read an uncompressed IDX file of unsigned bytes, checking its header against its size."""
    raw = path.read_bytes()
    if len(raw) < 4 + 4 * ndim or raw[:3] != b"\x00\x00\x08" or raw[3] != ndim:
        raise DataError(f"{path} is not an IDX file of {ndim}-d unsigned bytes (corrupt?).")
    dims = np.frombuffer(raw, dtype=">u4", count=ndim, offset=4).astype(int)
    body = raw[4 + 4 * ndim :]
    if len(body) != int(np.prod(dims)):
        raise DataError(
            f"{path} is truncated or corrupt: header says {tuple(dims)} "
            f"({int(np.prod(dims))} bytes) but it holds {len(body)}."
        )
    return np.frombuffer(body, dtype=np.uint8).reshape(dims)


class MNISTDataModule(ImageDataModule):
    """28x28 grey handwritten digits; downloads with torchvision when absent and online."""

    name = "MNIST"
    class_names = tuple(str(d) for d in range(10))

    @property
    def raw_folder(self) -> Path:
        return Path(self.data_dir) / self.name / "raw"

    def prepare_data(self) -> None:
        from torchvision import datasets

        ensure_files(
            self.raw_folder,
            [*FILES[True], *FILES[False]],
            self.name,
            lambda: getattr(datasets, self.name)(self.data_dir, download=True),
        )

    def load_split(self, train: bool) -> tuple[torch.Tensor, torch.Tensor]:
        self.prepare_data()
        image_file, label_file = (self.raw_folder / f for f in FILES[train])
        images = read_idx(image_file, 3)
        labels = read_idx(label_file, 1)
        if len(images) != len(labels):
            raise DataError(
                f"{image_file} holds {len(images)} images but {label_file} {len(labels)} labels."
            )
        if labels.max() >= len(self.class_names):
            raise DataError(f"{label_file} has labels outside 0-{len(self.class_names) - 1}.")
        return torch.from_numpy(images.copy()).unsqueeze(1), torch.from_numpy(
            labels.astype(np.int64)
        )
