"""Opt-in ways to run the same model faster on a GPU: channels_last memory and torch.compile.

Both change how the nets run, never what they compute or what a checkpoint holds: channels_last
only restrides the 4-d weights, and `nn.Module.compile` compiles each net in place, so the
state dict keeps its keys (no `_orig_mod.` prefix) and checkpoints load into an uncompiled model.
"""

from __future__ import annotations

import logging
from typing import Any

import torch
from torch import nn
from torchmetrics import Metric

log = logging.getLogger(__name__)


def to_channels_last(model: nn.Module) -> int:
    """Restride every 4-d parameter and buffer to channels_last; returns how many changed.

    Convolutions follow their weight's layout (cuDNN and oneDNN both pick channels_last when
    the weight is), so the input batches need no conversion of their own."""
    changed = sum(p.dim() == 4 for p in model.parameters())
    model.to(memory_format=torch.channels_last)
    return changed


def nets(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The model's trainable sub-networks: direct children with parameters, metrics excluded."""
    return [
        (name, child)
        for name, child in model.named_children()
        if not isinstance(child, Metric) and any(True for _ in child.parameters())
    ]


def compile_nets(model: nn.Module, mode: str | None = None, backend: str = "inductor") -> list[str]:
    """`torch.compile` each of the model's nets in place; returns their names."""
    names = []
    for name, net in nets(model):
        net.compile(mode=mode, backend=backend)
        names.append(name)
    return names


def apply_speedups(model: nn.Module, cfg: Any) -> None:
    """The run's `channels_last` and `compile` options, applied to the built model."""
    if cfg.get("channels_last"):
        count = to_channels_last(model)
        log.info("channels_last: %d conv weights restrided.", count)
    compile_cfg = cfg.get("compile") or {}
    if compile_cfg.get("enabled"):
        names = compile_nets(model, compile_cfg.get("mode"), compile_cfg.get("backend", "inductor"))
        log.info(
            "torch.compile (%s, mode=%s): %s; the first steps compile.",
            compile_cfg.get("backend", "inductor"),
            compile_cfg.get("mode"),
            ", ".join(names),
        )
