"""The image classifier's page: draw or upload a digit, see every class's probability."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import gradio as gr
import pytorch_lightning as pl
import torch
from PIL import Image, ImageOps, ImageStat

from litlab.data.spec import DataSpec
from litlab.predictions.images import load_image, model_input


def read_pixels(path: Path, spec: DataSpec) -> torch.Tensor:
    """The image file's pixels as predict.py reads them (checked against the model's input)."""
    return load_image(path, spec).pixels


MARGIN = 0.2  # blank border around a drawing's ink, as a share of its size (MNIST centres digits)


def probabilities(model: pl.LightningModule, path: Path) -> dict[str, float]:
    """Each class's probability for the image file at `path`, read as predict.py reads it."""
    spec = model.spec
    pixels = read_pixels(path, spec)
    with torch.no_grad():
        p = model(model_input(pixels[None], spec).to(model.device)).softmax(1)[0].cpu()
    names = list(spec.class_names) or [str(i) for i in range(spec.num_classes)]
    return {name: float(v) for name, v in zip(names, p, strict=True)}


def drawing(sketch: dict[str, Any] | None, grey: bool) -> Image.Image | None:
    """The sketchpad's picture as the training digits look: for a grey model, light ink on
    black (a drawing in dark ink is inverted), cropped to the ink with a margin."""
    composite = (sketch or {}).get("composite")
    if composite is None:
        return None
    image = composite.convert("RGBA")
    flat = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image).convert("RGB")
    if not grey:
        return flat
    ink = flat.convert("L")
    if ink.getextrema()[0] == ink.getextrema()[1]:
        return None  # nothing drawn
    if ImageStat.Stat(ink).mean[0] > 127:
        ink = ImageOps.invert(ink)
    left, top, right, bottom = ink.getbbox()
    side = round(max(right - left, bottom - top) * (1 + 2 * MARGIN))
    square = Image.new("L", (side, side))
    square.paste(
        ink.crop((left, top, right, bottom)),
        ((side - right + left) // 2, (side - bottom + top) // 2),
    )
    return square


def page(model: pl.LightningModule, card: str) -> gr.Blocks:
    """Two tabs (draw, upload), each with a button that fills one gr.Label."""
    grey = model.spec.channels == 1

    def classify_upload(path: str | None) -> dict[str, float]:
        if not path:
            raise gr.Error("Upload an image first.")
        return probabilities(model, Path(path))

    def classify_drawing(sketch: dict[str, Any] | None) -> dict[str, float]:
        image = drawing(sketch, grey)
        if image is None:
            raise gr.Error("Draw a digit first.")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "drawing.png"
            image.save(path)
            return probabilities(model, path)

    with gr.Blocks(title="litlab classifier", analytics_enabled=False) as blocks:
        gr.Markdown(card)
        with gr.Row():
            with gr.Column():
                with gr.Tab("Draw"):
                    sketch = gr.Sketchpad(
                        type="pil",
                        label="Draw a digit (pick the brush on the left)",
                        canvas_size=(280, 280),
                        fixed_canvas=True,
                        layers=False,
                        brush=gr.Brush(default_size=18, colors=["#000000"], color_mode="fixed"),
                        elem_id="sketch",
                    )
                    draw_button = gr.Button("Classify the drawing", elem_id="classify-drawing")
                with gr.Tab("Upload"):
                    upload = gr.Image(type="filepath", label="An image file", elem_id="upload")
                    upload_button = gr.Button("Classify the image", elem_id="classify-upload")
            with gr.Column():
                label = gr.Label(
                    num_top_classes=min(5, model.spec.num_classes or 5),
                    label="Class probabilities",
                    elem_id="probabilities",
                )
        draw_button.click(classify_drawing, sketch, label)
        upload_button.click(classify_upload, upload, label)
    return blocks
