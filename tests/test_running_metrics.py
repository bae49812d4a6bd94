"""The per-step training accumulators give what torchmetrics' general metrics give."""

from __future__ import annotations

import math
import os
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torchmetrics import MeanMetric
from torchmetrics.classification import MulticlassAccuracy

from litlab.metrics.running import RunningAccuracy, RunningMean


def test_running_mean_matches_mean_metric_weighted_and_over_epochs():
    generator = torch.Generator().manual_seed(0)
    running, reference = RunningMean(), MeanMetric()
    for _epoch in range(2):
        for size in (128, 128, 37):  # a short last batch weighs less
            loss = torch.rand((), generator=generator) * 3
            running.update(loss, weight=size)
            reference.update(loss, weight=size)
        values = torch.rand(5, 3, generator=generator)  # a tensor of values, weighted per row
        running.update(values, weight=torch.arange(1.0, 6.0)[:, None])
        reference.update(values, weight=torch.arange(1.0, 6.0)[:, None])
        assert running.compute().item() == pytest.approx(reference.compute().item(), rel=1e-6)
        running.reset()
        reference.reset()
    assert running.total.item() == 0.0 and running.weight.item() == 0.0


def test_running_mean_takes_plain_numbers_like_mean_metric():
    running, reference = RunningMean(), MeanMetric()
    for value, weight in ((0.0, 1), (0.25, 3), (1.0, 2.0)):
        running.update(value, weight=weight)
        reference.update(value, weight=weight)
    assert running.compute().item() == pytest.approx(reference.compute().item())
    assert running.compute().item() == pytest.approx((0.75 + 2.0) / 6)


def test_running_mean_keeps_a_nan_rather_than_dropping_it():
    mean = RunningMean()
    mean.update(torch.tensor(1.0), weight=10)
    mean.update(torch.tensor(float("nan")), weight=10)
    assert math.isnan(mean.compute().item())


def test_running_mean_does_not_keep_the_graph():
    """A loss passed without `.detach()` leaves no graph alive in the epoch's sums."""
    weight = torch.ones((), requires_grad=True)
    mean = RunningMean()
    mean.update(weight * 2.0, weight=4)
    assert not mean.total.requires_grad
    assert mean.compute().item() == 2.0


def test_running_accuracy_matches_micro_accuracy():
    generator = torch.Generator().manual_seed(1)
    running, reference = RunningAccuracy(), MulticlassAccuracy(10, average="micro")
    for _ in range(4):
        target = torch.randint(0, 10, (100,), generator=generator)
        preds = torch.where(torch.rand(100, generator=generator) < 0.7, target, (target + 1) % 10)
        running.update(preds, target)
        reference.update(preds, target)
    assert running.compute().item() == pytest.approx(reference.compute().item(), abs=1e-7)
    assert 0.6 < running.compute().item() < 0.8


def _synced_on_rank(rank: int, port: int, results: dict) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=2)
    mean, accuracy = RunningMean(), RunningAccuracy()
    # rank 0 adds 1.0 over 30 samples, rank 1 adds 4.0 over 10: the mean of all 40 is 1.75
    mean.update(torch.tensor(1.0 if rank == 0 else 4.0), weight=30 if rank == 0 else 10)
    # rank 0 gets 3 of 4 right, rank 1 gets 0 of 4 right: 3 of 8 overall
    preds = torch.tensor([0, 0, 0, 1] if rank == 0 else [1, 1, 1, 1])
    accuracy.update(preds, torch.zeros(4, dtype=torch.long))
    results[rank] = (mean.compute().item(), accuracy.compute().item())
    dist.destroy_process_group()


@pytest.mark.ddp
def test_running_metrics_sync_exactly_over_processes():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    results = mp.Manager().dict()
    mp.spawn(_synced_on_rank, args=(port, results), nprocs=2)
    assert dict(results) == {0: (1.75, 0.375), 1: (1.75, 0.375)}
