"""Box-aware augmentation on whole batches: one random affine per image moves pixels and boxes
together.

torchvision's `transforms.v2` with `tv_tensors.BoundingBoxes` does the same one sample at a time
in the loader; here the images are already one tensor on the device, so one `grid_sample` call
for the batch and the same matrix applied to the box corners keep them consistent at a fraction
of the cost (tests/test_detection_data.py checks pixels against boxes).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class BoxAugment:
    """Random zoom about the centre, shift and horizontal flip, for images and their boxes.

    `translate` is the largest shift as a share of the side; `flip` mirrors half the images
    (only for classes that stay themselves when mirrored). A box that ends up less than
    `min_visible` inside the image is dropped, so no label points at an empty patch.
    """

    enabled: bool = True
    flip: bool = False
    translate: float = 0.0
    scale: tuple[float, float] = (1.0, 1.0)
    min_visible: float = 0.6

    @property
    def active(self) -> bool:
        return self.enabled and (self.flip or self.translate > 0 or tuple(self.scale) != (1, 1))

    def __call__(
        self, x: torch.Tensor, boxes: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Images (N, C, H, W), boxes (N, K, 4) x1y1x2y2 in pixels, labels (N, K) with -1 as
        padding; returns all three transformed (dropped boxes get label -1)."""
        if not self.active:
            return x, boxes, labels
        n, _, h, w = x.shape
        dev = x.device
        lo, hi = self.scale
        zoom = lo + torch.rand(n, device=dev) * (hi - lo)
        shift = (torch.rand(n, 2, device=dev) * 2 - 1) * 2 * self.translate  # normalised units
        mirror = torch.ones(n, device=dev)
        if self.flip:
            mirror = torch.where(torch.rand(n, device=dev) < 0.5, -1.0, 1.0)
        # output -> input in normalised coordinates: p = (F q - t) / s
        theta = torch.zeros(n, 2, 3, device=dev)
        theta[:, 0, 0] = mirror / zoom
        theta[:, 1, 1] = 1 / zoom
        theta[:, 0, 2] = -shift[:, 0] / zoom
        theta[:, 1, 2] = -shift[:, 1] / zoom
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        x = F.grid_sample(x, grid, padding_mode="zeros", align_corners=False)
        return (x, *self._move_boxes(boxes, labels, zoom, shift, mirror, w, h))

    def _move_boxes(
        self,
        boxes: torch.Tensor,
        labels: torch.Tensor,
        zoom: torch.Tensor,
        shift: torch.Tensor,
        mirror: torch.Tensor,
        w: int,
        h: int,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        size = torch.tensor([w, h, w, h], dtype=boxes.dtype, device=boxes.device)
        p = boxes / size * 2 - 1  # pixels -> [-1, 1]
        p = p * zoom[:, None, None] + shift.repeat(1, 2)[:, None, :]  # q = F (s p + t)
        flipped = (mirror < 0)[:, None, None]
        p = torch.where(flipped, torch.stack([-p[..., 2], p[..., 1], -p[..., 0], p[..., 3]], -1), p)
        moved = (p + 1) / 2 * size
        clipped = torch.minimum(moved.clamp_min(0), size)
        area = (moved[..., 2] - moved[..., 0]) * (moved[..., 3] - moved[..., 1])
        inside = (clipped[..., 2] - clipped[..., 0]) * (clipped[..., 3] - clipped[..., 1])
        keep = (labels >= 0) & (inside >= self.min_visible * area.clamp_min(1e-6))
        return clipped, torch.where(keep, labels, -1)
