"""The base of litlab's callbacks: a hook a callback does not use costs its steps nothing."""

from __future__ import annotations

from typing import Any

import pytorch_lightning as pl

# the hooks Lightning calls on every batch
BATCH_HOOKS = (
    "on_train_batch_start",
    "on_train_batch_end",
    "on_before_backward",
    "on_after_backward",
    "on_before_optimizer_step",
    "on_before_zero_grad",
    "on_validation_batch_start",
    "on_validation_batch_end",
    "on_test_batch_start",
    "on_test_batch_end",
    "on_predict_batch_start",
    "on_predict_batch_end",
)


class LitCallback(pl.Callback):
    """A Lightning callback whose per-batch hooks, unless a subclass defines them, are None.

    Lightning calls every callback's every per-batch hook, no-ops included, each inside a
    profiler context, which for a handful of callbacks is a noticeable share of a small net's
    step. It skips a hook that is not callable, so a callback that does nothing per batch is
    not called per batch.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for hook in BATCH_HOOKS:
            if getattr(cls, hook) is getattr(pl.Callback, hook):
                setattr(cls, hook, None)
