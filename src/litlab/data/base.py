"""Shared datamodule machinery: in-memory tensors served in whole batches."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch
from pytorch_lightning.overrides.distributed import UnrepeatedDistributedSampler
from torch.utils.data import DataLoader, Dataset

from litlab.data.spec import DataSpec
from litlab.errors import ConfigError


class TensorBatches(Dataset):
    """Tensors indexed a whole batch at a time (`__getitems__`), so no per-sample Python work."""

    def __init__(self, *tensors: torch.Tensor) -> None:
        if any(len(t) != len(tensors[0]) for t in tensors):
            raise ValueError("all tensors must have the same first dimension")
        self.tensors = tensors

    def __len__(self) -> int:
        return len(self.tensors[0])

    def __getitem__(self, index: int) -> tuple[torch.Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __getitems__(self, indices: list[int]) -> tuple[torch.Tensor, ...]:
        # through numpy: a sampler's list of ints becomes a tensor much faster than as_tensor
        index = torch.from_numpy(np.asarray(indices, dtype=np.int64))
        return tuple(t[index] for t in self.tensors)


def keep_batch(batch: Any) -> Any:
    """collate_fn for `TensorBatches`: the batch is already stacked."""
    return batch


class LitDataModule(pl.LightningDataModule):
    """Base for every litlab datamodule.

    `batch_size` is the global batch size: under DDP each of N processes loads batch_size / N,
    so results do not change with the number of devices.
    """

    def __init__(
        self,
        data_dir: str = "data",
        batch_size: int = 128,
        num_workers: int = 0,
        pin_memory: bool = False,
        split_seed: int = 0,
    ) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.split_seed = split_seed
        self._spec: DataSpec | None = None

    @property
    def spec(self) -> DataSpec:
        """The description of this data's batches; available after `setup()`."""
        if self._spec is None:
            raise RuntimeError(f"{type(self).__name__}.spec is known only after setup()")
        return self._spec

    @property
    def device_batch_size(self) -> int:
        world = self.trainer.world_size if self.trainer is not None else 1
        if self.batch_size % world:
            raise ConfigError(
                f"data.batch_size={self.batch_size} does not divide evenly across {world} "
                "devices; choose a multiple of the device count."
            )
        return self.batch_size // world

    def baselines(self) -> dict[str, dict[str, float]]:
        """Test scores of simple reference models fitted on this data's own split (none by
        default); the train app reports them in summary.json beside the network's."""
        return {}

    def split_set(self, split: str) -> Dataset:
        """The dataset of one split ('train', 'val', 'test'), after `setup()`: the attribute
        `<split>_set` unless a subclass keeps its splits otherwise."""
        dataset = getattr(self, f"{split}_set", None)
        if dataset is None:
            raise RuntimeError(f"{type(self).__name__} has no {split} split before setup()")
        return dataset

    @property
    def drop_last_train(self) -> bool:
        """Whether the training loader drops its last, incomplete batch (default: keep it)."""
        return False

    def train_dataloader(self) -> DataLoader:
        return self.make_loader(
            self.split_set("train"), shuffle=True, drop_last=self.drop_last_train
        )

    def val_dataloader(self) -> DataLoader:
        return self.make_loader(self.split_set("val"), shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self.make_loader(self.split_set("test"), shuffle=False)

    def predict_dataloader(self) -> DataLoader:
        return self.test_dataloader()

    def make_loader(self, dataset: Dataset, shuffle: bool, drop_last: bool = False) -> DataLoader:
        """Training loaders get Lightning's DistributedSampler under DDP; evaluation loaders get
        an unpadded one, so every validation and test example counts exactly once."""
        batches = isinstance(dataset, TensorBatches)
        sampler = None
        world = self.trainer.world_size if self.trainer is not None else 1
        if not shuffle and world > 1:
            rank = self.trainer.global_rank
            sampler = UnrepeatedDistributedSampler(dataset, world, rank, shuffle=False)
        return DataLoader(
            dataset,
            batch_size=self.device_batch_size,
            shuffle=shuffle,
            sampler=sampler,
            drop_last=drop_last,
            num_workers=self.num_workers,
            pin_memory=self.pin_memory,
            persistent_workers=self.num_workers > 0,
            collate_fn=keep_batch if batches else None,
        )


def split_generator(seed: int) -> torch.Generator:
    """A generator that gives the same train/val split on every process and every run."""
    return torch.Generator().manual_seed(seed)
