"""The VAE's and GAN's page: a seed slider draws a grid of samples; for a VAE, a walk in
latent space between the samples of two seeds."""

from __future__ import annotations

import gradio as gr
import pytorch_lightning as pl
import torch
from PIL import Image
from torchvision.transforms.functional import to_pil_image
from torchvision.utils import make_grid

from litlab.predictions.samples import draw

MAX_SEED = 9999


def grid(images: torch.Tensor, nrow: int) -> Image.Image:
    """(N, C, H, W) images in [0, 1] as one picture, enlarged so 28-pixel digits can be seen."""
    picture = to_pil_image(make_grid(images.float().cpu().clamp(0, 1), nrow=nrow, pad_value=1.0))
    scale = max(1, 256 // picture.width)
    return picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)


def page(model: pl.LightningModule, card: str, samples: int, steps: int) -> gr.Blocks:
    """A seed slider and the grid it draws; for a VAE, two seeds and the images between them."""
    nrow = max(1, round(samples**0.5))

    def sample_grid(seed: float) -> Image.Image:
        return grid(draw(model, samples, int(seed)), nrow)

    def walk(seed_a: float, seed_b: float) -> Image.Image:
        a, b = draw(model, 1, int(seed_a)), draw(model, 1, int(seed_b))
        return grid(model.interpolate(a, b, steps)[0], steps)

    with gr.Blocks(title="litlab generator", analytics_enabled=False) as blocks:
        gr.Markdown(card)
        seed = gr.Slider(0, MAX_SEED, value=0, step=1, label="Seed", elem_id="seed")
        images = gr.Image(type="pil", label=f"{samples} samples", elem_id="samples")
        seed.change(sample_grid, seed, images)
        blocks.load(sample_grid, seed, images)
        if callable(getattr(model, "interpolate", None)):
            gr.Markdown(
                "**Interpolation**: the sample of each seed is encoded, and the images decoded "
                "along the straight line between the two codes."
            )
            with gr.Row():
                seed_a = gr.Slider(0, MAX_SEED, value=0, step=1, label="From seed")
                seed_b = gr.Slider(0, MAX_SEED, value=1, step=1, label="To seed")
            between = gr.Image(type="pil", label=f"{steps} steps", elem_id="interpolation")
            gr.Button("Interpolate", elem_id="interpolate").click(walk, [seed_a, seed_b], between)
    return blocks
