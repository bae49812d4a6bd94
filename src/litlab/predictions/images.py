"""Image files -> the batch a model trained on, checked against the model's training images.

A detector takes images of any size (letterboxed, its documented contract), and a model trained
on `data=image_folder` any image, resized and cropped as that data did. Other image models
take images of their training size and a channel count that can be theirs: a grey image is
repeated for a colour model, a colour image reaches a grey model only when its channels are
equal. Anything else is refused with one sentence, unless `resize` asks to letterbox it to the
training size and convert its channels.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from litlab.data.letterbox import Letterbox, letterbox
from litlab.data.spec import DataSpec
from litlab.errors import ConfigError, DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
GREY_MODES = ("1", "L", "LA", "I", "I;16", "F")


@dataclass
class LoadedImage:
    """An image file as read (`image`, in the model's mode) and as the model sees it (`pixels`,
    uint8 (C, H, W) at the training size; `fit` maps its pixels back to the file's)."""

    path: Path
    image: Image.Image
    pixels: torch.Tensor
    fit: Letterbox


def image_files(inputs: str) -> list[Path]:
    """The image files named by `inputs` (a file, or a folder's images, sorted)."""
    path = Path(inputs)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise ConfigError(f"inputs={inputs} is neither an image file nor a folder.")
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"{path} holds no images ({', '.join(IMAGE_SUFFIXES)}).")
    return files


def describe(channels: int, height: int, width: int) -> str:
    """'28x28 grey' or '32x32 RGB' (width x height, as image viewers say it)."""
    return f"{width}x{height} {'grey' if channels == 1 else 'RGB'}"


def load_image(path: Path, spec: DataSpec, adapt: bool = True) -> LoadedImage:
    """The image as the model's data had it: grey or RGB at the input size. With `adapt` any
    size is letterboxed and any channels converted; without, a mismatch is a `DataError`."""
    try:
        with Image.open(path) as opened:
            # upright as the camera meant, as data=yolo_folder reads training images
            upright = ImageOps.exif_transpose(opened)
            upright.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise DataError(f"{path} is not an image that can be read ({exc}).") from exc
    channels, height, width = spec.input_shape
    image = upright.convert("L" if channels == 1 else "RGB")
    if spec.extra.get("fit"):
        # data=image_folder brought files of any size to its square itself: the same here
        from litlab.data.image_folder import decode

        pixels = decode(path, channels, height, spec.extra["fit"])
        return LoadedImage(path, image, pixels, letterbox(image, height, width)[1])
    if not adapt:
        check_image(path, upright, spec)
    pixels, fit = letterbox(image, height, width)
    return LoadedImage(path, image, pixels, fit)


def check_image(path: Path, image: Image.Image, spec: DataSpec) -> None:
    """One sentence when `image` is not the size of the model's images or has colours a grey
    model cannot take."""
    channels, height, width = spec.input_shape
    colour = image.mode not in GREY_MODES
    if colour and channels == 1:
        rgb = np.asarray(image.convert("RGB"))
        colour = bool((rgb != rgb[..., :1]).any())  # an RGB file of grey pixels is grey
    if image.size != (width, height) or (colour and channels == 1):
        has = describe(3 if colour else 1, image.height, image.width)
        raise DataError(
            f"{path} is a {has} image but the model takes {describe(channels, height, width)} "
            "images; pass resize=true to letterbox it to that size and convert its channels."
        )


def model_input(pixels: torch.Tensor, spec: DataSpec) -> torch.Tensor:
    """uint8 (N, C, H, W) -> the normalised float batch the model trained on."""
    x = pixels.float() / 255.0
    if spec.mean:
        mean = torch.tensor(spec.mean).view(1, -1, 1, 1)
        std = torch.tensor(spec.std).view(1, -1, 1, 1)
        x = (x - mean) / std
    return x
