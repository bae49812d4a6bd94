"""Real-data accuracy: the shared MNIST-format set (8,000 train / 2,000 test digits)."""

from __future__ import annotations

import pytest

from litlab.utils.summary import read_summary
from tests.conftest import run_train


@pytest.mark.slow
def test_cnn_reaches_98_5_percent_on_real_mnist_in_4_epochs(tmp_path, mnist_dir):
    # the recipe's 5 epochs give 99.25% (README); one epoch fewer keeps CI within its budget
    # and still clears the bar: 99.0% measured with data.split_seed=0 and 1
    overrides = ["experiment=mnist_classifier", "trainer.max_epochs=4"]
    run_train([*overrides, f"paths.data_dir={mnist_dir}"], tmp_path)
    summary = read_summary(tmp_path)
    assert summary["status"] == "ok"
    assert summary["metrics"]["test/acc"] >= 0.985
    assert (tmp_path / "figures" / "confusion_matrix.png").is_file()
