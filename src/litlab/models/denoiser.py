"""Denoising autoencoder: the Autoencoder with a noise corruption (see conf/model/denoiser.yaml)."""

from __future__ import annotations

from litlab.fits import ANY_TARGET
from litlab.models.autoencoder import Autoencoder

DEFAULT_NOISE = {"_target_": "litlab.models.corruptions.Noise", "gaussian_std": 0.5}


class Denoiser(Autoencoder):
    """Maps noisy images to clean ones; logs `{stage}/psnr_noisy` beside `{stage}/psnr`."""

    inputs = ("image",)
    targets = ANY_TARGET

    default_corruption = DEFAULT_NOISE
