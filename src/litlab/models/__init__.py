"""LightningModules, one per task; each is built from its data's DataSpec."""

from litlab.models.autoencoder import Autoencoder
from litlab.models.base import LitModule
from litlab.models.classifier import Classifier
from litlab.models.denoiser import Denoiser
from litlab.models.detector import Detector
from litlab.models.forecaster import Forecaster
from litlab.models.gan import GAN
from litlab.models.inpainter import Inpainter
from litlab.models.regressor import Regressor
from litlab.models.ssgan import SemiSupervisedGAN
from litlab.models.vae import VAE

__all__ = [
    "GAN",
    "VAE",
    "Autoencoder",
    "Classifier",
    "Denoiser",
    "Detector",
    "Forecaster",
    "Inpainter",
    "LitModule",
    "Regressor",
    "SemiSupervisedGAN",
]
