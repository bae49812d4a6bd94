"""What an exported file computes: a model's inference forward with the data's preprocessing
folded in where it is a plain tensor op, so a deployer feeds what they have and reads what
they want (docs/export.md has the table per family)."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from litlab.data.spec import DataSpec
from litlab.errors import ConfigError
from litlab.models.base import LitModule
from litlab.models.classifier import Classifier
from litlab.models.detector import Detector
from litlab.models.pixels import PixelScale
from litlab.models.reconstruction import ReconstructionModel
from litlab.models.regressor import Regressor

# model family -> (output name, what it holds); checked in order, so subclasses come first
OUTPUTS: tuple[tuple[type, str, str], ...] = (
    (Classifier, "probabilities", "class probabilities (softmax folded in)"),
    (Regressor, "values", "predictions in the target's own units (de-standardised)"),
    (ReconstructionModel, "reconstruction", "reconstructed pixels in [0, 1]"),
    (Detector, "grid", "the raw head grid (N, 5 + classes, H / stride, W / stride), not decoded"),
)


def output_of(model: LitModule) -> tuple[str, str]:
    """The exported output's name and meaning; one sentence for a family that is not exported."""
    for family, name, meaning in OUTPUTS:
        if isinstance(model, family):
            return name, meaning
    raise ConfigError(
        "export covers classifiers, regressors, forecasters, autoencoders (denoiser, inpainter), "
        f"the VAE and the detector; {type(model).__name__} is not one of them (docs/export.md)."
    )


class InferenceGraph(nn.Module):
    """A litlab model as the exported file runs it.

    Inputs: images as float pixels in [0, 1] (N, C, H, W), normalised inside with the spec's
    mean/std; sequence windows in the series' own units (N, L, F), standardised inside;
    table rows as the datamodule encodes them (standardised numbers (N, F) and, when the table
    has categorical columns, int64 category codes (N, K)): the median fill, scaling and
    vocabularies are pandas work kept outside. Output: see `OUTPUTS`.
    """

    def __init__(self, model: LitModule) -> None:
        super().__init__()
        self.output_name, self.output_meaning = output_of(model)
        self.model = model.eval()
        self.spec: DataSpec = model.spec
        kind = self.spec.input_kind
        self.pixels = PixelScale(self.spec) if kind == "image" else None
        self.scaled = kind == "sequence" and bool(self.spec.mean)
        if self.scaled:
            self.register_buffer("mean", torch.tensor(self.spec.mean).view(1, 1, -1))
            self.register_buffer("std", torch.tensor(self.spec.std).view(1, 1, -1))
        self.input_names = ["pixels"] if kind == "image" else ["window"]
        if kind == "table":
            self.input_names = ["numeric", "categories"] if self.spec.categories else ["numeric"]
        self.eval()

    def forward(self, x: Tensor, codes: Tensor | None = None) -> Tensor:
        if self.pixels is not None:
            x = self.pixels.from_pixels(x)
        elif self.scaled:
            x = (x - self.mean) / self.std
        out = self.model(x) if codes is None else self.model(x, codes)
        if isinstance(self.model, Classifier):
            return out.softmax(dim=1)
        if isinstance(self.model, Regressor):
            return self.model.unscale(out)
        return out

    def describe(self) -> dict[str, Any]:
        """What the file wants and gives, for the sidecar JSON a deployer reads."""
        spec = self.spec
        kind = spec.input_kind
        shapes = {
            "pixels": (list(spec.input_shape), "float32", "pixels in [0, 1]"),
            "window": (list(spec.input_shape), "float32", "the last values, in the series' units"),
            "numeric": (
                list(spec.input_shape),
                "float32",
                "numeric columns after the training split's median fill and standardisation",
            ),
            "categories": (
                [len(spec.categories)],
                "int64",
                "category codes of the training split's vocabulary (0: unknown)",
            ),
        }
        inputs = [
            {"name": n, "shape": ["batch", *shape], "dtype": dtype, "holds": holds}
            for n in self.input_names
            for shape, dtype, holds in [shapes[n]]
        ]
        normalisation: dict[str, Any] = {"folded": kind != "table"}
        if spec.mean:
            normalisation.update(mean=list(spec.mean), std=list(spec.std))
        if kind == "table":
            normalisation["note"] = (
                "not folded: encode rows as the training data's encoder does "
                "(columns in the order listed)"
            )
            normalisation["numeric_columns"] = spec.extra.get("numeric_columns", [])
            normalisation["categorical_columns"] = spec.extra.get("categorical_columns", [])
        return {
            "model": type(self.model).__name__,
            "inputs": inputs,
            "output": {"name": self.output_name, "holds": self.output_meaning},
            "class_names": list(spec.class_names),
            "normalisation": normalisation,
        }
