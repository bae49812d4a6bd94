"""LightningModules, one per task; each is built from its data's DataSpec."""

from litlab.models.base import LitModule
from litlab.models.classifier import Classifier

__all__ = ["Classifier", "LitModule"]
from litlab.models.gan import GAN
from litlab.models.ssgan import SemiSupervisedGAN

__all__ += ["GAN", "SemiSupervisedGAN"]
