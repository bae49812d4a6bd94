"""Inpainting autoencoder: the Autoencoder with a box mask (see conf/model/inpainter.yaml)."""

from __future__ import annotations

from litlab.fits import ANY_TARGET
from litlab.models.autoencoder import Autoencoder

DEFAULT_MASK = {"_target_": "litlab.models.corruptions.BoxMask", "size": 0.4}


class Inpainter(Autoencoder):
    """Fills hidden boxes; logs `{stage}/psnr_masked` and `/mse_masked` on the hidden region."""

    inputs = ("image",)
    targets = ANY_TARGET

    default_corruption = DEFAULT_MASK
