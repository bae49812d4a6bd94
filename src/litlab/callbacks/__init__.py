"""Callbacks that draw figures into the run folder and guard training."""

from litlab.callbacks.confusion_matrix import ConfusionMatrixFigure
from litlab.callbacks.figures import FigureCallback, save_figure
from litlab.callbacks.finite_loss import FiniteLoss
from litlab.callbacks.loss_curves import LossCurves

__all__ = ["ConfusionMatrixFigure", "FigureCallback", "FiniteLoss", "LossCurves", "save_figure"]
from litlab.callbacks.latent_space import LatentSpaceFigures
from litlab.callbacks.reconstructions import ReconstructionGrid

__all__ += ["LatentSpaceFigures", "ReconstructionGrid"]
