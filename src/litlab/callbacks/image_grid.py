"""Drawing batches of [0, 1] images as grids on matplotlib axes."""

from __future__ import annotations

import torch
from matplotlib.axes import Axes
from torchvision.utils import make_grid


def grid_array(images: torch.Tensor, nrow: int) -> torch.Tensor:
    """(N, C, H, W) images in [0, 1] as one (H', W', C) array with 1-pixel white borders."""
    grid = make_grid(images.detach().float().cpu().clamp(0, 1), nrow=nrow, padding=1, pad_value=1)
    return grid.permute(1, 2, 0)


def show_images(ax: Axes, images: torch.Tensor, nrow: int, title: str = "") -> None:
    """Grey images in grey, colour images in colour; no axis ticks."""
    grid = grid_array(images, nrow)
    if images.shape[1] == 1:
        ax.imshow(grid[..., 0], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    else:
        ax.imshow(grid, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=9, loc="left")
