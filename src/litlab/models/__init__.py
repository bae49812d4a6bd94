"""LightningModules, one per task; each is built from its data's DataSpec."""

from litlab.models.base import LitModule
from litlab.models.classifier import Classifier

__all__ = ["Classifier", "LitModule"]
from litlab.models.autoencoder import Autoencoder
from litlab.models.denoiser import Denoiser
from litlab.models.inpainter import Inpainter
from litlab.models.vae import VAE

__all__ += ["VAE", "Autoencoder", "Denoiser", "Inpainter"]
