"""The YOLO-style grids' training targets and loss, and their decoding into boxes.

Anchor-free, one prediction per grid cell (as YOLOX / YOLOv8 do): a cell predicts the distances
from its centre to the four sides of a box, an objectness and one score per class. A net gives
one grid (`YOLONet`, stride 8) or several (`YOLOFPNNet`, strides 8, 16 and 32); the cells of
every grid are flattened into one list of points, each with its own stride.

A box is learned by one level only: the finest whose stride times `level_span` reaches the
box's longer side (the coarsest takes what is left), so a small digit trains the fine grid and
a large one the coarse grid, as FCOS's size ranges do. On that level, a cell is a positive when
its centre lies inside the box and within `radius` strides of the box centre (FCOS's centre
sampling); the level's cell nearest each centre always is, so thin digits such as a "1" still
get one. A cell claimed by several boxes takes the smallest.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor
from torchvision.ops import batched_nms, complete_box_iou_loss, sigmoid_focal_loss

from litlab.data.detection import Targets, pad_boxes

Grids = Tensor | Sequence[Tensor]  # one (B, 5 + C, H, W) grid, or one per level


def grid_points(h: int, w: int, stride: int, device: torch.device) -> Tensor:
    """Centres of an h x w grid's cells in input pixels, (h * w, 2) as (x, y), row-major."""
    ys, xs = torch.meshgrid(
        torch.arange(h, device=device), torch.arange(w, device=device), indexing="ij"
    )
    return torch.stack([xs.flatten(), ys.flatten()], dim=1).float().add(0.5).mul(stride)


def level_ranges(strides: Sequence[int], span: float) -> list[tuple[float, float]]:
    """The [low, high) range of a box's longer side, in pixels, that each level learns: level l
    up to `span` x its stride, from where level l - 1 stops; the last level has no upper end."""
    bounds = [0.0, *(span * s for s in strides[:-1]), float("inf")]
    return list(itertools.pairwise(bounds))


@dataclass
class FlatGrids:
    """Every level's cells in one list: predictions (B, P, 5 + C), centres (P, 2), strides (P,)
    and the size range (P, 2) of the boxes each cell's level learns."""

    values: Tensor
    points: Tensor
    strides: Tensor
    size_range: Tensor


def flatten_grids(output: Grids, strides: int | Sequence[int], span: float = 4.0) -> FlatGrids:
    """One grid or one per level (strides in the same order) as one list of cells."""
    grids = [output] if isinstance(output, Tensor) else list(output)
    strides = [strides] if isinstance(strides, int) else list(strides)
    if len(grids) != len(strides):
        raise ValueError(f"{len(grids)} grids for {len(strides)} strides")
    device = grids[0].device
    values, points, cell_strides, ranges = [], [], [], []
    for grid, stride, size in zip(grids, strides, level_ranges(strides, span), strict=True):
        _, _, h, w = grid.shape
        values.append(grid.flatten(2).transpose(1, 2))
        points.append(grid_points(h, w, stride, device))
        cell_strides.append(torch.full((h * w,), float(stride), device=device))
        ranges.append(torch.tensor(size, device=device).expand(h * w, 2))
    return FlatGrids(
        torch.cat(values, 1), torch.cat(points), torch.cat(cell_strides), torch.cat(ranges)
    )


def decode_boxes(distances: Tensor, points: Tensor, strides: Tensor) -> Tensor:
    """Raw (B, P, 4) distances -> (B, P, 4) boxes x1y1x2y2 in pixels, for cells centred at
    `points` (P, 2) with `strides` (P,)."""
    d = F.softplus(distances) * strides[:, None]  # (B, P, 4) l, t, r, b
    return torch.cat([points - d[..., :2], points + d[..., 2:]], dim=-1)


def assign_targets(
    points: Tensor,
    boxes: Tensor,
    labels: Tensor,
    stride: int | Tensor,
    radius: float,
    size_range: Tensor | None = None,
) -> Tensor:
    """For each cell, the index of the ground-truth box it learns, or -1: (B, P).

    `boxes` (B, K, 4) and `labels` (B, K) are padded with label -1. `stride` is one number or
    each cell's (P,); `size_range` (P, 2) the [low, high) longer box side each cell's level
    learns (None: every size)."""
    px, py = points[None, :, None, 0], points[None, :, None, 1]  # (1, P, 1)
    s = stride[None, :, None] if isinstance(stride, Tensor) else stride
    x1, y1, x2, y2 = (boxes[:, None, :, i] for i in range(4))  # (B, 1, K)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    valid = (labels >= 0)[:, None, :]
    if size_range is not None:
        side = torch.maximum(x2 - x1, y2 - y1)
        lo, hi = size_range[None, :, None, 0], size_range[None, :, None, 1]
        valid = valid & (side >= lo) & (side < hi)  # (B, P, K): the box's level only
    inside = (px > x1) & (px < x2) & (py > y1) & (py < y2)
    central = ((px - cx).abs() < radius * s) & ((py - cy).abs() < radius * s)
    distance = (px - cx) ** 2 + (py - cy) ** 2  # (B, P, K)
    distance = torch.where(valid, distance, torch.full_like(distance, float("inf")))
    nearest = distance == distance.min(dim=1, keepdim=True).values
    candidate = valid & ((inside & central) | nearest)
    area = ((x2 - x1) * (y2 - y1)).expand_as(candidate)
    area = torch.where(candidate, area, torch.full_like(area, float("inf")))
    smallest, index = area.min(dim=2)
    return torch.where(torch.isfinite(smallest), index, -1)


def paired_iou(a: Tensor, b: Tensor) -> Tensor:
    """IoU of a[i] with b[i] for (N, 4) x1y1x2y2 boxes."""
    lt, rb = torch.maximum(a[:, :2], b[:, :2]), torch.minimum(a[:, 2:], b[:, 2:])
    inter = (rb - lt).clamp_min(0).prod(dim=1)
    area = lambda z: (z[:, 2:] - z[:, :2]).clamp_min(0).prod(dim=1)  # noqa: E731
    return inter / (area(a) + area(b) - inter).clamp_min(1e-9)


@dataclass
class YOLOLossWeights:
    box: float = 5.0
    objectness: float = 1.0
    classes: float = 1.0


def yolo_loss(
    output: Grids,
    targets: Targets,
    stride: int | Sequence[int],
    weights: YOLOLossWeights,
    radius: float = 2.5,
    iou_objectness: bool = True,
    focal_gamma: float = 0.0,
    level_span: float = 4.0,
) -> dict[str, Tensor]:
    """Loss of one (B, 5 + C, H, W) grid, or one per level with their strides, against
    torchvision-style targets; each box is learned on the level `level_span` gives it.

    Box: complete-IoU loss (torchvision.ops) on positive cells. Objectness: BCE on every cell,
    focal when `focal_gamma` > 0; a positive's target is the IoU its box reaches
    (`iou_objectness`, so the score ranks boxes by quality) or 1. Classes: BCE on positives.
    Each part is summed over every level and divided by the number of positives, then weighted.
    """
    grids = flatten_grids(output, stride, level_span)
    flat = grids.values
    boxes, labels = pad_boxes([t["boxes"] for t in targets], [t["labels"] for t in targets])
    boxes, labels = boxes.to(flat.device), labels.to(flat.device)
    match = assign_targets(
        grids.points, boxes, labels, grids.strides, radius, grids.size_range
    )  # (B, P)
    positive = match >= 0
    num_pos = positive.sum().clamp_min(1).float()

    pred_boxes = decode_boxes(flat[..., :4], grids.points, grids.strides)
    safe = match.clamp_min(0)
    gt_boxes = torch.gather(boxes, 1, safe[..., None].expand(-1, -1, 4))[positive]
    gt_labels = torch.gather(labels, 1, safe)[positive]
    pos_boxes = pred_boxes[positive]

    box_loss = complete_box_iou_loss(pos_boxes, gt_boxes, reduction="sum") / num_pos
    obj_target = torch.zeros_like(flat[..., 4])
    if iou_objectness:
        obj_target[positive] = paired_iou(pos_boxes.detach(), gt_boxes).to(obj_target.dtype)
    else:
        obj_target[positive] = 1.0
    if focal_gamma > 0:
        obj_loss = sigmoid_focal_loss(flat[..., 4], obj_target, alpha=-1, gamma=focal_gamma)
    else:
        obj_loss = F.binary_cross_entropy_with_logits(flat[..., 4], obj_target, reduction="none")
    obj_loss = obj_loss.sum() / num_pos
    cls_target = F.one_hot(gt_labels, flat.shape[-1] - 5).to(flat.dtype)
    cls_loss = F.binary_cross_entropy_with_logits(
        flat[..., 5:][positive], cls_target, reduction="sum"
    )
    cls_loss = cls_loss / num_pos
    total = weights.box * box_loss + weights.objectness * obj_loss + weights.classes * cls_loss
    return {"loss": total, "box": box_loss, "objectness": obj_loss, "classes": cls_loss}


def decode_detections(
    output: Grids,
    stride: int | Sequence[int],
    score_threshold: float = 0.05,
    nms_iou: float = 0.5,
    max_detections: int = 100,
    pre_nms: int = 1000,
) -> Targets:
    """One grid, or one per level with their strides, as torchvision-style predictions, one
    dict per image: `boxes`, `labels`, `scores` (objectness x class probability), after
    per-class NMS over every level's cells."""
    grids = flatten_grids(output, stride)
    flat = grids.values.float()
    boxes = decode_boxes(flat[..., :4], grids.points, grids.strides)
    scores = flat[..., 4:5].sigmoid() * flat[..., 5:].sigmoid()  # (B, P, C)
    num_classes = scores.shape[-1]
    results = []
    for image_boxes, image_scores in zip(boxes, scores, strict=True):
        s = image_scores.flatten()
        keep = (s > score_threshold).nonzero().squeeze(1)
        if len(keep) > pre_nms:
            keep = keep[s[keep].topk(pre_nms).indices]
        cell, label = keep // num_classes, keep % num_classes
        chosen_boxes, chosen_scores = image_boxes[cell].float(), s[keep]
        kept = batched_nms(chosen_boxes, chosen_scores, label, nms_iou)[:max_detections]
        results.append(
            {"boxes": chosen_boxes[kept], "scores": chosen_scores[kept], "labels": label[kept]}
        )
    return results
