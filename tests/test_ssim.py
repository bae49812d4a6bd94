"""The autoencoders' SSIM really uses the window that fits the image (7 pixels on 8x8 digits),
checked against a plain numpy SSIM."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf
from sklearn.datasets import load_digits
from torchmetrics.image import StructuralSimilarityIndexMeasure

from litlab.builders import model_arguments
from litlab.data.spec import DataSpec
from litlab.models import Autoencoder
from litlab.models.pixels import ssim_kernel, ssim_sigma
from tests.conftest import compose_cfg


def reference_ssim(x: np.ndarray, y: np.ndarray, window: int, sigma: float) -> float:
    """Mean SSIM (Wang et al., 2004) of (N, H, W) images in [0, 1]: a normalised `window`-pixel
    Gaussian, reflection padding at the borders, one SSIM value per pixel, averaged."""
    c1, c2 = 0.01**2, 0.03**2
    r = window // 2
    g = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    w = np.outer(g, g) / np.outer(g, g).sum()
    values = []
    for a, b in zip(x.astype(np.float64), y.astype(np.float64), strict=True):
        pa, pb = np.pad(a, r, mode="reflect"), np.pad(b, r, mode="reflect")
        for i in range(a.shape[0]):
            for j in range(a.shape[1]):
                wa, wb = pa[i : i + window, j : j + window], pb[i : i + window, j : j + window]
                ma, mb = (w * wa).sum(), (w * wb).sum()
                va, vb = (w * wa * wa).sum() - ma**2, (w * wb * wb).sum() - mb**2
                cov = (w * wa * wb).sum() - ma * mb
                values.append(
                    (2 * ma * mb + c1) * (2 * cov + c2) / ((ma**2 + mb**2 + c1) * (va + vb + c2))
                )
    return float(np.mean(values))


def logged_ssim(shape, clean: torch.Tensor, output: torch.Tensor, tmp_path) -> float:
    """The value the autoencoder logs as val/ssim for one batch."""
    spec = DataSpec(input_kind="image", input_shape=shape, target="class", num_classes=10)
    cfg = model_arguments(
        OmegaConf.to_container(compose_cfg(["model=autoencoder"], tmp_path).model)
    )
    options = {k: v for k, v in cfg.items() if k != "_target_"}
    metric = Autoencoder(spec.to_dict(), **options).val_metrics["ssim"]
    metric.update(output, clean)
    return float(metric.compute())


@pytest.mark.parametrize("window", [3, 5, 7, 9, 11])
def test_every_window_up_to_11_is_the_window_torchmetrics_uses(window):
    sigma = ssim_sigma(window)
    assert 2 * int(3.5 * sigma + 0.5) + 1 == window
    assert ssim_sigma(11) == 1.5  # the standard SSIM for images of 11 pixels and more


def test_ssim_on_8x8_digits_uses_a_7_pixel_window(tmp_path):
    digits = torch.tensor(load_digits().images[:32] / 16.0, dtype=torch.float32).unsqueeze(1)
    noisy = digits + 0.15 * torch.randn(digits.shape, generator=torch.Generator().manual_seed(0))
    noisy = noisy.clamp(0, 1)
    assert ssim_kernel((1, 8, 8)) == 7
    logged = logged_ssim((1, 8, 8), digits, noisy, tmp_path)
    x, y = noisy[:, 0].numpy(), digits[:, 0].numpy()
    assert logged == pytest.approx(reference_ssim(x, y, 7, ssim_sigma(7)), abs=1e-5)
    eleven = StructuralSimilarityIndexMeasure(data_range=1.0)(noisy, digits)
    assert float(eleven) == pytest.approx(reference_ssim(x, y, 11, 1.5), abs=1e-5)
    assert abs(logged - float(eleven)) > 0.01  # the window matters on these images
