"""Callbacks that draw figures into the run folder and guard training.

Members are imported on first use (litlab.lazy).
"""

from litlab.lazy import lazy_members

__getattr__, __dir__, __all__ = lazy_members(
    __name__,
    {
        "backbone_finetuning": ["BackboneFinetuning"],
        "base": ["LitCallback"],
        "confusion_matrix": ["ConfusionMatrixFigure"],
        "detections": ["DetectionFigures"],
        "figures": ["FigureCallback", "save_figure"],
        "finite_loss": ["FiniteLoss"],
        "forecast": ["ForecastFigure"],
        "latent_space": ["LatentSpaceFigures"],
        "loss_curves": ["LossCurves"],
        "reconstructions": ["ReconstructionGrid"],
        "sample_progress": ["SampleProgress"],
    },
)
