"""LightningModules, one per task; each is built from its data's DataSpec."""

from litlab.models.base import LitModule
from litlab.models.classifier import Classifier

__all__ = ["Classifier", "LitModule"]
from litlab.models.autoencoder import Autoencoder  # noqa: E402
from litlab.models.denoiser import Denoiser  # noqa: E402
from litlab.models.inpainter import Inpainter  # noqa: E402
from litlab.models.vae import VAE  # noqa: E402
