"""Real-data accuracy: the shared MNIST-format set (8,000 train / 2,000 test digits)."""

from __future__ import annotations

import pytest

from litlab.utils.summary import read_summary
from tests.conftest import run_train


@pytest.mark.slow
def test_cnn_reaches_98_5_percent_on_real_mnist_in_5_epochs(tmp_path, mnist_dir):
    run_train(["experiment=mnist_classifier", f"paths.data_dir={mnist_dir}"], tmp_path)
    summary = read_summary(tmp_path)
    assert summary["status"] == "ok"
    assert summary["metrics"]["test/acc"] >= 0.985
    assert (tmp_path / "figures" / "confusion_matrix.png").is_file()
