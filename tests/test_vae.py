"""VAE: training on digits/MNIST, nelbo bookkeeping, sampling, latent-space figures, real-data
quality and the model/data fit check."""

from __future__ import annotations

import math

import pytest
import torch
from PIL import Image

from litlab.data.spec import DataSpec
from litlab.errors import ConfigError, IncompatibleError
from litlab.models import VAE
from tests.conftest import run_train

SHORT = [
    "trainer.max_epochs=1",
    "trainer.limit_train_batches=3",
    "trainer.limit_val_batches=1",
    "trainer.limit_test_batches=2",
    "~logger",
]


def test_vae_needs_images():
    boxes = DataSpec(input_kind="table", input_shape=(4,), target="value")
    with pytest.raises(IncompatibleError, match="model=vae needs images; data=diabetes gives"):
        VAE.check_fits(boxes, "vae", "diabetes")


def test_vae_on_digits_with_a_2d_latent_draws_every_figure(tmp_path):
    result = run_train(["model=vae", "data=digits", "model.net.latent_dim=2", *SHORT], tmp_path)
    metrics = {k: float(v) for k, v in result["metrics"].items()}
    assert metrics["test/nelbo"] == pytest.approx(metrics["test/recon"] + metrics["test/kl"], 1e-4)
    for name in ("prior_samples", "interpolations", "latent_scatter", "latent_grid"):
        assert Image.open(tmp_path / "figures" / f"{name}.png").size[0] > 200, name
    model = VAE.load_from_checkpoint(result["best_checkpoint"], weights_only=True)
    images = model.sample(5)
    assert images.shape == (5, 1, 8, 8) and images.min() >= 0 and images.max() <= 1
    with pytest.raises(ConfigError, match="unconditional"):
        model.sample(2, labels=torch.zeros(2, dtype=torch.long))


def test_gaussian_decoder_and_beta_warmup_on_mnist(tmp_path, mnist_dir):
    result = run_train(
        [
            "model=vae",
            "data=mnist",
            f"data.data_dir={mnist_dir}",
            "model.decoder=gaussian",
            "model.warmup_epochs=2",
            *SHORT,
        ],
        tmp_path,
    )
    assert math.isfinite(float(result["metrics"]["test/nelbo"]))
    # epoch 0 of a 2-epoch warm-up, 3 batches: beta is 0, 1/6 and 1/3, so its epoch mean is 1/6
    assert float(result["metrics"]["train/beta"]) == pytest.approx(1 / 6)


@pytest.mark.slow
def test_vae_on_real_mnist_gets_below_170_nats_in_two_epochs(tmp_path, mnist_dir):
    result = run_train(
        ["experiment=mnist_vae", f"data.data_dir={mnist_dir}", "trainer.max_epochs=2", "~logger"],
        tmp_path,
    )
    assert result["metrics"]["test/nelbo"] <= 170
