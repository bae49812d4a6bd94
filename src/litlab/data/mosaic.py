"""Mosaic augmentation on whole batches: four images tiled into one, their boxes moved with them.

YOLOv4 introduced it and ultralytics trains with it by default: each mosaic shows objects from
four images around a random centre, on other backgrounds and cut at new places, so one batch
holds more objects and contexts than its images did. Here it works on a batch already on the
device (as `BoxAugment` does): for every pixel an index into the batch and a source pixel, so
the whole mosaic is one gather; objects keep their pixel size (no resizing), so the scales the
net learns stay those of the data.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Mosaic:
    """With probability `p` a training image becomes a mosaic: a random centre in the middle
    half of each side cuts it into four quadrants; the top-left one keeps a window of the image
    itself, the other three windows of other images of the batch, each window at a random place
    in its source. A box is clipped to its quadrant and kept when at least `min_visible` of it
    is still there."""

    p: float = 0.0
    min_visible: float = 0.6

    @property
    def active(self) -> bool:
        return self.p > 0

    def __call__(
        self, x: torch.Tensor, boxes: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Images (N, C, H, W), boxes (N, K, 4) x1y1x2y2 in pixels, labels (N, K) with -1 as
        padding; returns all three with the chosen images replaced (K grows to 4 K)."""
        n, _, h, w = x.shape
        dev = x.device
        chosen = (torch.rand(n, device=dev) < self.p).nonzero().squeeze(1)
        if not self.active or n < 2 or len(chosen) == 0:
            return x, boxes, labels
        m = len(chosen)
        sources = torch.randint(0, n, (m, 4), device=dev)
        sources[:, 0] = chosen
        cx = (w * (0.25 + 0.5 * torch.rand(m, device=dev))).long()
        cy = (h * (0.25 + 0.5 * torch.rand(m, device=dev))).long()
        zero, full_w, full_h = torch.zeros_like(cx), torch.full_like(cx, w), torch.full_like(cy, h)
        # quadrants 0..3: top-left, top-right, bottom-left, bottom-right; (m, 4) each
        left = torch.stack([zero, cx, zero, cx], 1)
        right = torch.stack([cx, full_w, cx, full_w], 1)
        top = torch.stack([zero, zero, cy, cy], 1)
        bottom = torch.stack([cy, cy, full_h, full_h], 1)
        # where each quadrant's window starts in its source image: anywhere it fits
        src_x = (torch.rand(m, 4, device=dev) * (w - (right - left) + 1)).long()
        src_y = (torch.rand(m, 4, device=dev) * (h - (bottom - top) + 1)).long()
        dx, dy = left - src_x, top - src_y  # output pixel = source pixel + (dx, dy)

        xs = torch.arange(w, device=dev)[None, None, :]
        ys = torch.arange(h, device=dev)[None, :, None]
        quadrant = (ys >= cy[:, None, None]).long() * 2 + (xs >= cx[:, None, None]).long()
        flat = quadrant.flatten(1)  # (m, H * W)
        pick = lambda t: t.gather(1, flat).view(m, h, w)  # noqa: E731
        image = pick(sources)
        sx, sy = xs - pick(dx), ys - pick(dy)
        tiled = x[image, :, sy, sx].permute(0, 3, 1, 2)  # (m, C, H, W)

        k = boxes.shape[1]
        shift = torch.stack([dx, dy, dx, dy], -1)[:, :, None, :]  # (m, 4, 1, 4)
        low = torch.stack([left, top, left, top], -1)[:, :, None, :]
        high = torch.stack([right, bottom, right, bottom], -1)[:, :, None, :]
        moved = boxes[sources] + shift  # (m, 4, K, 4)
        clipped = torch.minimum(torch.maximum(moved, low), high)
        area = (moved[..., 2] - moved[..., 0]) * (moved[..., 3] - moved[..., 1])
        seen = (clipped[..., 2] - clipped[..., 0]) * (clipped[..., 3] - clipped[..., 1])
        mosaic_labels = labels[sources]
        keep = (mosaic_labels >= 0) & (seen >= self.min_visible * area.clamp_min(1e-6))
        mosaic_labels = torch.where(keep, mosaic_labels, -1)

        out_x = x.clone()
        out_x[chosen] = tiled.to(x.dtype)
        out_boxes = torch.zeros(n, 4 * k, 4, dtype=boxes.dtype, device=dev)
        out_labels = torch.full((n, 4 * k), -1, dtype=labels.dtype, device=dev)
        out_boxes[:, :k], out_labels[:, :k] = boxes, labels
        out_boxes[chosen] = clipped.reshape(m, 4 * k, 4).to(boxes.dtype)
        out_labels[chosen] = mosaic_labels.reshape(m, 4 * k)
        return out_x, out_boxes, out_labels
