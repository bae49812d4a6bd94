"""litlab's callbacks are not called on batches they do nothing with (callbacks.base)."""

from __future__ import annotations

import pytorch_lightning as pl

from litlab.callbacks.base import BATCH_HOOKS, LitCallback
from litlab.callbacks.finite_loss import FiniteLoss
from tests.conftest import run_train
from tests.probes import HookCalls

LITLAB = ("RandomState", "Preemption", "LossCurves", "ConfusionMatrixFigure", "FiniteLoss")


def test_a_default_run_calls_litlab_callbacks_only_on_the_batch_hooks_they_define(tmp_path):
    run = [
        "debug=limit",
        "trainer.max_epochs=2",
        "trainer.profiler={_target_:tests.probes.HookCalls}",
    ]
    run_train(run, tmp_path)
    calls = HookCalls.last.calls
    batches = calls["[Callback]FiniteLoss.on_train_batch_end"]
    assert batches == 10  # debug=limit: 5 training batches an epoch
    # Lightning's own callbacks still get every batch hook, used or not
    assert calls["[Callback]LearningRateMonitor.on_before_zero_grad"] == batches
    per_batch = [
        name
        for name in calls
        if name.startswith("[Callback]")
        and name.split("]")[1].split(".")[0] in LITLAB
        and name.endswith(BATCH_HOOKS)
    ]
    assert per_batch == ["[Callback]FiniteLoss.on_train_batch_end"]
    # hooks that are not per batch are called as before
    assert calls["[Callback]LossCurves.on_fit_end"] == 1
    assert calls["[Callback]LossCurves.on_train_epoch_start"] == 2


def test_a_subclass_keeps_the_batch_hooks_it_or_its_parents_define():
    class Counting(LitCallback):
        def on_after_backward(self, trainer, pl_module) -> None:
            pass

    class Stricter(FiniteLoss):
        pass

    assert callable(Counting.on_after_backward)
    assert Counting.on_before_backward is None
    assert Stricter.on_train_batch_end is FiniteLoss.on_train_batch_end
    assert Stricter.on_train_batch_start is None
    # what Lightning itself reads off a callback
    assert not pl.utilities.model_helpers.is_overridden("on_train_batch_start", Stricter())
