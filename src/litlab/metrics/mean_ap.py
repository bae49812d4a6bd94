"""COCO mean average precision that syncs whatever number of images each process holds."""

from __future__ import annotations

from typing import Any

import torch
import torch.distributed as dist
from torchmetrics.detection import MeanAveragePrecision


class MeanAveragePrecisionAnyCount(MeanAveragePrecision):
    """torchmetrics' `MeanAveragePrecision`, synced by gathering each process's whole lists.

    The library gathers its per-image list states one tensor at a time, so every process must
    hold the same number of images, or the collectives stop matching and the job aborts.
    litlab's evaluation loaders give each process its own share of the test set without
    padding (so nothing is counted twice), and shares can differ by one image.
    """

    def _sync_dist(self, dist_sync_fn: Any = None, process_group: Any = None) -> None:
        group = process_group or self.process_group
        world = dist.get_world_size(group)
        for attr in self._reductions:
            local = getattr(self, attr)
            if not isinstance(local, list):
                continue
            gathered: list[list[torch.Tensor]] = [[] for _ in range(world)]
            dist.all_gather_object(gathered, [t.cpu() for t in local], group=group)
            setattr(self, attr, [t.to(self.device) for part in gathered for t in part])
