"""The GPU-minded options, shown on the CPU: `channels_last=true` restrides the conv weights and
`compile.enabled=true` compiles each net, and neither changes the numbers or the checkpoint."""

from __future__ import annotations

import pytest
import torch

from tests.conftest import run_train

SHORT = ["debug=limit", "trainer.max_epochs=1", "test=false", "model/scheduler=none"]


def checkpoint_state(summary: dict) -> dict[str, torch.Tensor]:
    return torch.load(summary["best_checkpoint"], weights_only=True)["state_dict"]


def conv_weights(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    # channels_last differs from the default layout only with several channels and pixels
    return {k: w for k, w in state.items() if w.dim() == 4 and w.shape[1] > 1 and w.shape[2] > 1}


def val_loss(summary: dict) -> float:
    return float(summary["metrics"]["val/loss"])


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory) -> dict:
    return run_train(SHORT, tmp_path_factory.mktemp("plain"))


def test_channels_last_restrides_the_conv_weights_and_keeps_the_numbers(tmp_path, plain_run):
    fast = run_train([*SHORT, "channels_last=true"], tmp_path)
    plain_state, fast_state = checkpoint_state(plain_run), checkpoint_state(fast)
    convs = conv_weights(fast_state)
    assert convs, "the digits CNN has conv weights"
    for name, weight in convs.items():
        assert weight.is_contiguous(memory_format=torch.channels_last), name
        assert not plain_state[name].is_contiguous(memory_format=torch.channels_last), name
        torch.testing.assert_close(weight, plain_state[name], rtol=1e-4, atol=1e-5)
    assert val_loss(fast) == pytest.approx(val_loss(plain_run), rel=1e-4)


def test_compile_compiles_each_net_and_checkpoints_keep_their_keys(tmp_path, plain_run):
    from torch._dynamo.utils import counters

    torch._dynamo.reset()
    counters.clear()
    # the eager backend traces the nets as inductor would, without the minutes of codegen
    compiled = run_train([*SHORT, "compile.enabled=true", "compile.backend=eager"], tmp_path)
    assert counters["stats"]["unique_graphs"] >= 1, "dynamo compiled no graph"
    state, plain_state = checkpoint_state(compiled), checkpoint_state(plain_run)
    assert list(state) == list(plain_state)  # no `_orig_mod.` prefix
    for name, weight in state.items():
        torch.testing.assert_close(weight, plain_state[name], rtol=1e-5, atol=1e-6)
    assert val_loss(compiled) == pytest.approx(val_loss(plain_run), rel=1e-5)
