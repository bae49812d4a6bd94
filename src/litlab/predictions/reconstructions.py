"""Autoencoder, denoiser, inpainter and VAE predictions: each image beside its reconstruction,
and each image's reconstruction error."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch
from matplotlib.figure import Figure
from omegaconf import DictConfig
from torch import Tensor
from torchmetrics.functional.image import peak_signal_noise_ratio

from litlab.callbacks.image_grid import show_images
from litlab.models.autoencoder import Autoencoder
from litlab.models.base import LitModule
from litlab.predictions.images import load_image, model_input
from litlab.predictions.output import batches

FIGURE_IMAGES = 32  # the figure shows the first images only; the CSV lists them all


@torch.no_grad()
def reconstruct(model: LitModule, pixels: Tensor, corrupt: bool, seed: int) -> dict[str, Tensor]:
    """`input` (the file's pixels in [0, 1]), `corrupted` (what a denoiser or inpainter was
    given, when `corrupt`) and `output` (the reconstruction in [0, 1])."""
    clean = pixels.float().to(model.device) / 255.0
    x = model_input(pixels, model.spec).to(model.device)
    if not isinstance(model, Autoencoder):  # VAE: the decoded posterior mean
        return {"input": clean, "output": model(x)}
    if not (corrupt and model.corruption.active):
        return {"input": clean, "output": model(x)}
    # a fixed seed per batch, as validation corrupts, so reruns give the same figure
    generator = torch.Generator(device=clean.device).manual_seed(seed)
    corrupted, mask = model.corruption(clean, generator)
    output = model(model.pixels.from_pixels(corrupted))
    if mask is not None:
        output = torch.where(mask, output, clean)
    return {"input": clean, "corrupted": corrupted, "output": output}


def write_reconstructions(model: LitModule, files: list[Path], out: Path, cfg: DictConfig) -> Path:
    """`out/reconstructions.csv` (per file: mse and psnr of the reconstruction against the
    file's image) and `out/reconstructions.png` (input | corrupted | reconstruction rows)."""
    rows, shown = [], {}
    for index, chunk in enumerate(batches(files, cfg.batch_size)):
        pixels = torch.stack([load_image(f, model.spec, cfg.resize).pixels for f in chunk])
        images = reconstruct(model, pixels, cfg.corrupt, seed=index)
        clean, output = images["input"], images["output"].clamp(0, 1)
        mse = (output - clean).pow(2).flatten(1).mean(1)
        psnr = peak_signal_noise_ratio(
            output, clean, data_range=1.0, reduction="none", dim=(1, 2, 3)
        )
        for path, m, p in zip(chunk, mse.tolist(), psnr.tolist(), strict=True):
            rows.append({"file": path.name, "mse": m, "psnr": p})
        for name, batch in images.items():
            shown[name] = torch.cat([shown.get(name, batch[:0].cpu()), batch.cpu()])[:FIGURE_IMAGES]
    out.mkdir(parents=True, exist_ok=True)
    table = out / "reconstructions.csv"
    pd.DataFrame(rows).to_csv(table, index=False, float_format="%.6g")
    draw(shown).savefig(out / "reconstructions.png", dpi=110, bbox_inches="tight")
    return table


def draw(shown: dict[str, Tensor]) -> Figure:
    """One row per image set (input, corrupted, reconstruction), one column per file."""
    n = len(shown["input"])
    fig = Figure(figsize=(max(3.0, 1.1 * n), 1.3 * len(shown) + 0.3))
    axes = fig.subplots(len(shown), 1, squeeze=False)[:, 0]
    titles = {"input": "input", "corrupted": "corrupted", "output": "reconstruction"}
    for ax, (name, images) in zip(axes, shown.items(), strict=True):
        show_images(ax, images, nrow=n, title=titles[name])
    return fig
