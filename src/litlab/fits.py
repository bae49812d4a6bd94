"""Which model family can learn from which data, decided from plain facts.

The facts are plain data, so the command line refuses `model=detector data=mnist` in a second,
before torch is imported (`config_problem`); once the data is loaded, `LitModule.check_fits`
asks the same question of the data's real spec (`fit_problem`), which also covers data whose
kinds depend on its options (a CSV table's target) and models of a user's own.
tests/test_fits.py holds MODELS to the classes and DATA to what each datamodule's spec says.
"""

from __future__ import annotations

from typing import Any

from litlab.data.spec import INPUT_WORDS, TARGET_WORDS

ANY_TARGET = ("class", "value", "boxes", "none")
ANY_INPUT = ("image", "table", "sequence")

# model class: (the input kinds it takes, the target kinds it takes), as each class declares
# them (`inputs`, `targets`); a copy, since this check runs before torch can be imported
MODELS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "LitModule": (ANY_INPUT, ANY_TARGET),
    "Autoencoder": (("image",), ANY_TARGET),
    "Denoiser": (("image",), ANY_TARGET),
    "Inpainter": (("image",), ANY_TARGET),
    "VAE": (("image",), ANY_TARGET),
    "Classifier": (ANY_INPUT, ("class",)),
    "Regressor": (ANY_INPUT, ("value",)),
    "Detector": (("image",), ("boxes",)),
    "Forecaster": (("sequence",), ("value",)),
    "GAN": (("image",), ("class", "none")),
    "SemiSupervisedGAN": (("image",), ("class",)),
}

# datamodule class: (input kind, target kind), for those whose kinds do not depend on options
DATA: dict[str, tuple[str, str]] = {
    "DigitsDataModule": ("image", "class"),
    "MNISTDataModule": ("image", "class"),
    "CIFAR10DataModule": ("image", "class"),
    "CIFAR100DataModule": ("image", "class"),
    "ImageFolderDataModule": ("image", "class"),
    "MNISTDetectionDataModule": ("image", "boxes"),
    "YOLOFolderDataModule": ("image", "boxes"),
    "COCOFolderDataModule": ("image", "boxes"),
    "TimeSeriesDataModule": ("sequence", "value"),
    "BundledSeriesDataModule": ("sequence", "value"),
}


def fit_problem(
    takes: tuple[tuple[str, ...], tuple[str, ...]],
    gives: tuple[str, str],
    model_name: str,
    data_name: str,
) -> str | None:
    """Why a model that `takes` (inputs, targets) cannot learn from data that `gives`
    (input kind, target kind), in one sentence; None when it can."""
    (inputs, targets), (input_kind, target) = takes, gives
    model, data = f"model={model_name}", f"data={data_name}"
    if input_kind not in inputs:
        wants = " or ".join(INPUT_WORDS[k] for k in inputs)
        return f"{model} needs {wants}; {data} gives {INPUT_WORDS[input_kind]}."
    if target not in targets:
        wants = " or ".join(TARGET_WORDS[k] for k in targets)
        return f"{model} needs {wants}; {data} gives {TARGET_WORDS[target]}."
    return None


def litlab_class(target: Any, package: str) -> str | None:
    """`Detector` for `litlab.models.Detector` or `litlab.models.detector.Detector`."""
    if not isinstance(target, str) or not target.startswith(f"litlab.{package}."):
        return None
    return target.rsplit(".", 1)[-1]


def config_problem(cfg: Any) -> str | None:
    """`fit_problem` for a composed train config, when both sides are known from it."""
    model = litlab_class((cfg.get("model") or {}).get("_target_"), "models")
    data = litlab_class((cfg.get("data") or {}).get("_target_"), "data")
    if model not in MODELS or data not in DATA:
        return None
    choices = cfg.hydra.runtime.choices if "hydra" in cfg else {}
    return fit_problem(
        MODELS[model], DATA[data], choices.get("model") or model, choices.get("data") or data
    )
