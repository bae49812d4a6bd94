"""LightningModules, one per task; each is built from its data's DataSpec."""

from litlab.models.base import LitModule
from litlab.models.classifier import Classifier

__all__ = ["Classifier", "LitModule"]
from litlab.models.regressor import Regressor

__all__ += ["Regressor"]
from litlab.models.forecaster import Forecaster  # noqa: E402

__all__ += ["Forecaster"]
