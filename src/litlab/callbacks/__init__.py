"""Callbacks that draw figures into the run folder and guard training."""

from litlab.callbacks.confusion_matrix import ConfusionMatrixFigure
from litlab.callbacks.detections import DetectionFigures
from litlab.callbacks.figures import FigureCallback, save_figure
from litlab.callbacks.finite_loss import FiniteLoss
from litlab.callbacks.forecast import ForecastFigure
from litlab.callbacks.latent_space import LatentSpaceFigures
from litlab.callbacks.loss_curves import LossCurves
from litlab.callbacks.reconstructions import ReconstructionGrid
from litlab.callbacks.sample_progress import SampleProgress

__all__ = [
    "ConfusionMatrixFigure",
    "DetectionFigures",
    "FigureCallback",
    "FiniteLoss",
    "ForecastFigure",
    "LatentSpaceFigures",
    "LossCurves",
    "ReconstructionGrid",
    "SampleProgress",
    "save_figure",
]
