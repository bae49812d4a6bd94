"""On a machine with no CUDA device, optimizer steps do not load NVML (utils.cuda_check)."""

from __future__ import annotations

import os

import pytest
import torch

from litlab.utils.cuda_check import NVML_CHECK, plain_check_without_devices
from tests.conftest import run_train

pytestmark = pytest.mark.skipif(
    torch.cuda.device_count() > 0, reason="needs a machine without a GPU"
)


def test_without_a_device_the_check_lightning_turned_on_is_dropped(monkeypatch):
    monkeypatch.setenv(NVML_CHECK, "1")  # what `import pytorch_lightning` does
    assert plain_check_without_devices()
    assert NVML_CHECK not in os.environ
    assert not torch.cuda.is_available()
    assert not plain_check_without_devices()  # once is enough


def test_with_a_device_the_check_stays(monkeypatch):
    monkeypatch.setenv(NVML_CHECK, "1")
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert not plain_check_without_devices()
    assert os.environ[NVML_CHECK] == "1"


def test_a_run_builds_its_trainer_with_the_plain_check(monkeypatch, tmp_path):
    monkeypatch.setenv(NVML_CHECK, "1")
    summary = run_train(["debug=limit", "trainer.max_epochs=1", "test=false"], tmp_path)
    assert summary["status"] == "ok"
    assert NVML_CHECK not in os.environ
