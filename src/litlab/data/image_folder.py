"""Your own labelled images in the ImageFolder layout: one folder per class of image files.

    DIR/cat/*.png  DIR/dog/*.jpg                  split by `val_size`, `test_size`, `split_seed`
    DIR/train/cat/...  DIR/val/...  DIR/test/...  or the splits you made (val/, test/ optional)

Class names are the folder names, sorted (as torchvision's ImageFolder orders them). Every image
is decoded once (PIL), brought to an `image_size` square (`fit`: resize the short side
and crop the centre, or stretch) and, when the whole set fits in `memory_limit_mb`, held as uint8
tensors like the other image datamodules; a larger set is decoded again per item from disk, with
the same pixels, so the batches are the same either way. Scaling, normalisation and augmentation
run on whole batches on the device (`ImageDataModule.prepare_batch`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import Dataset

from litlab.data.base import TensorBatches, split_generator
from litlab.data.images import ImageDataModule
from litlab.data.spec import DataSpec
from litlab.data.yolo_folder import read_image
from litlab.errors import ConfigError, DataError

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
SPLITS = ("train", "val", "test")
FITS = ("crop", "stretch")
STATS_CHUNK = 256  # images per chunk when accumulating the normalisation statistics

Samples = list[tuple[Path, int]]


def decode(file: Path, channels: int, size: int, fit: str) -> torch.Tensor:
    """One image file as a uint8 (channels, size, size) tensor, upright by its EXIF orientation;
    a file that cannot be decoded stops the run with its name."""
    from torchvision.transforms.v2 import functional as F

    image = F.pil_to_tensor(read_image(file, "L" if channels == 1 else "RGB"))
    if fit == "stretch":
        return F.resize(image, [size, size], antialias=True)
    return F.center_crop(F.resize(image, size, antialias=True), [size, size])


class ImageFiles(Dataset):
    """Image files decoded per item (for sets larger than the memory limit)."""

    def __init__(self, samples: Samples, channels: int, size: int, fit: str) -> None:
        self.samples, self.channels, self.size, self.fit = samples, channels, size, fit

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        file, label = self.samples[index]
        return decode(file, self.channels, self.size, self.fit), torch.tensor(label)


def class_folders(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def scan(root: Path, names: tuple[str, ...] | None = None) -> tuple[tuple[str, ...], Samples]:
    """The class names below `root` (or the given `names`, which must all be there) and the
    (file, class index) of every image, sorted."""
    folders = class_folders(root)
    if names is None:
        if not folders:
            raise DataError(
                f"{root} holds no class folders; the layout is {root}/<class name>/<image files>."
            )
        names = tuple(p.name for p in folders)
    elif tuple(p.name for p in folders) != names:
        found = ", ".join(p.name for p in folders) or "none"
        raise DataError(
            f"{root} has the class folders [{found}] where train/ has [{', '.join(names)}]."
        )
    samples: Samples = []
    for index, name in enumerate(names):
        found = (root / name).rglob("*")
        files = sorted(p for p in found if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise DataError(
                f"the class folder {root / name} holds no images ({' '.join(IMAGE_SUFFIXES)})."
            )
        samples += [(f, index) for f in files]
    return names, samples


def stats_of_chunks(chunks: Iterable[torch.Tensor], max_value: float) -> tuple[torch.Tensor, ...]:
    """Per-channel mean and std of uint8 (N, C, H, W) chunks, as `channel_stats` computes them
    for one tensor, so in-memory and streamed sets normalise alike."""
    total = squares = None
    n = 0
    for chunk in chunks:
        x = chunk.double() / max_value
        sums, sq = x.sum(dim=(0, 2, 3)), x.pow(2).sum(dim=(0, 2, 3))
        total = sums if total is None else total + sums
        squares = sq if squares is None else squares + sq
        n += chunk.numel() // chunk.shape[1]
    mean = total / n
    std = ((squares - n * mean**2) / max(n - 1, 1)).clamp_min(0).sqrt()
    return mean.float().view(1, -1, 1, 1), std.float().clamp_min(1e-6).view(1, -1, 1, 1)


class ImageFolderDataModule(ImageDataModule):
    """Images from a folder per class (see the module docstring).

    With `train/` (and optionally `val/`, `test/`) below `path`, those are the splits: a missing
    `val/` is cut from train by `val_size`, a missing `test/` is the validation split (a warning
    says so). Otherwise every class folder is split per class, `val_size` and `test_size` of its
    images (at least one each), chosen by `split_seed`.
    """

    def __init__(
        self,
        path: str,
        data_dir: str = "data",
        batch_size: int = 64,
        image_size: int = 224,
        channels: int = 3,
        fit: str = "crop",
        val_size: float = 0.1,
        test_size: float = 0.2,
        memory_limit_mb: float = 2048,
        normalize: bool = True,
        augment: dict[str, Any] | None = None,
        num_workers: int = 0,
        pin_memory: bool = False,
        split_seed: int = 0,
    ) -> None:
        super().__init__(
            data_dir, batch_size, val_size, normalize, augment, num_workers, pin_memory, split_seed
        )
        if channels not in (1, 3):
            raise ConfigError(f"data.channels must be 1 (grey) or 3 (RGB), got {channels}.")
        if image_size < 8:
            raise ConfigError(f"data.image_size must be at least 8 pixels, got {image_size}.")
        if fit not in FITS:
            raise ConfigError(f"data.fit must be one of {', '.join(FITS)}, got {fit!r}.")
        if not 0 < test_size < 1 or val_size + test_size >= 1:
            raise ConfigError(
                f"data.test_size must be a fraction between 0 and 1 that leaves training images "
                f"beside data.val_size={val_size}, got {test_size}."
            )
        self.path = Path(path)
        self.image_size = image_size
        self.channels = channels
        self.fit = fit
        self.test_size = test_size
        self.memory_limit_mb = memory_limit_mb
        self.in_memory: bool | None = None

    # ------------------------------------------------------------------ reading the folder
    def split_samples(self) -> dict[str, Samples]:
        """The (file, class) pairs of each split, and `class_names` from the folder names."""
        if not self.path.is_dir():
            raise DataError(
                f"data.path={self.path}: no such folder; it should hold one folder of images per "
                "class (docs/transfer.md)."
            )
        if (self.path / "train").is_dir():
            self.class_names, train = scan(self.path / "train")
            given = {
                s: scan(self.path / s, self.class_names)[1]
                for s in ("val", "test")
                if (self.path / s).is_dir()
            }
            if "val" not in given:
                train, given["val"] = self.cut(train, {"val": self.val_size})
            if "test" not in given:
                log.warning("%s has no test/: the test split is the validation split.", self.path)
                given["test"] = given["val"]
            return {"train": train, **given}
        self.class_names, samples = scan(self.path)
        train, cut = self.cut(samples, {"val": self.val_size, "test": self.test_size})
        return {"train": train, **cut}

    def cut(self, samples: Samples, shares: dict[str, float]) -> tuple[Samples, dict[str, Samples]]:
        """`samples` split per class: each share of every class's images (at least one), the
        rest for training; the same on every run with the same `split_seed`."""
        generator = split_generator(self.split_seed)
        out: dict[str, Samples] = {name: [] for name in shares}
        train: Samples = []
        by_class: dict[int, Samples] = {}
        for sample in samples:
            by_class.setdefault(sample[1], []).append(sample)
        for index, name in enumerate(self.class_names):
            own = by_class.get(index, [])
            if len(own) < len(shares) + 1:
                raise DataError(
                    f"the class {name!r} has {len(own)} image(s), too few to give "
                    f"{' and '.join(shares)} one each and keep one for training."
                )
            order = torch.randperm(len(own), generator=generator).tolist()
            start = 0
            for split, share in shares.items():
                n = max(1, round(share * len(own)))
                out[split] += [own[i] for i in sorted(order[start : start + n])]
                start += n
            if start >= len(own):
                raise DataError(f"the class {name!r} has no image left for training.")
            train += [own[i] for i in sorted(order[start:])]
        return train, out

    def decoded(self, samples: Samples) -> Iterator[torch.Tensor]:
        """The images of `samples`, decoded in chunks of `STATS_CHUNK`."""
        for start in range(0, len(samples), STATS_CHUNK):
            chunk = samples[start : start + STATS_CHUNK]
            size, fit = self.image_size, self.fit
            yield torch.stack([decode(f, self.channels, size, fit) for f, _ in chunk])

    def dataset(self, samples: Samples) -> Dataset:
        labels = torch.tensor([label for _, label in samples], dtype=torch.long)
        if self.in_memory:
            return TensorBatches(torch.cat(list(self.decoded(samples))), labels)
        return ImageFiles(samples, self.channels, self.image_size, self.fit)

    # ------------------------------------------------------------------ LightningDataModule
    def setup(self, stage: str | None = None) -> None:
        if self.train_set is not None:
            return
        splits = self.split_samples()
        distinct = {f for samples in splits.values() for f, _ in samples}
        size_mb = len(distinct) * self.channels * self.image_size**2 / 2**20
        self.in_memory = size_mb <= self.memory_limit_mb
        log.info(
            "%s: %d classes, %s images (%.0f MB as uint8): %s.",
            self.path,
            len(self.class_names),
            "/".join(str(len(s)) for s in splits.values()),
            size_mb,
            "held in memory" if self.in_memory else "over data.memory_limit_mb, read from disk",
        )
        self.train_set = self.dataset(splits["train"])
        self.val_set = self.dataset(splits["val"])
        same = splits["test"] is splits["val"]
        self.test_set = self.val_set if same else self.dataset(splits["test"])
        if self.in_memory:
            self.mean, self.std = stats_of_chunks(
                self.train_set.tensors[0].split(STATS_CHUNK), self.max_value
            )
        else:
            self.mean, self.std = stats_of_chunks(self.decoded(splits["train"]), self.max_value)
        counts = torch.bincount(
            torch.tensor([label for _, label in splits["train"]]), minlength=len(self.class_names)
        )
        self._spec = DataSpec(
            input_kind="image",
            input_shape=(self.channels, self.image_size, self.image_size),
            target="class",
            num_classes=len(self.class_names),
            class_names=tuple(self.class_names),
            class_counts=tuple(int(c) for c in counts),
            mean=tuple(self.mean.flatten().tolist()) if self.normalize else (),
            std=tuple(self.std.flatten().tolist()) if self.normalize else (),
            extra={"fit": self.fit},  # predict.py resizes new files as these were
        )
