"""Write a harder detection set to tune on: coloured MNIST digits at many scales on cluttered,
photo-like, non-square RGB canvases, saved as JPEG in the YOLO folder layout.

Each canvas has a smooth colour gradient, random blobs, bars and strokes in other colours (some
digit-like), sensor noise and JPEG compression; 0-6 digits, each a side drawn log-uniformly in
`--sizes` (so every scale is as common), in a random colour; a share of the canvases
(`--negatives`) holds no digit at all. Train and validation digits come from disjoint parts of
the MNIST training file, test digits from the t10k file, so the test split is held out.

    python bench/make_digit_scenes.py OUT_DIR --sizes 14 112            # multi-scale
    python bench/make_digit_scenes.py OUT_DIR --sizes 24 48             # one scale range

The folder reads with `data=yolo_folder data.path=OUT_DIR` and with ultralytics'
`data=OUT_DIR/data.yaml`. It is generated, never committed.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFilter

from litlab.data.mnist import MNISTDataModule

INK = 64  # a resized digit pixel at or above this (of 255) belongs to its box


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path)
    p.add_argument("--data-dir", default="../shared/data", help="holds MNIST/raw")
    p.add_argument("--width", type=int, default=224)
    p.add_argument("--height", type=int, default=160)
    p.add_argument("--sizes", type=int, nargs=2, default=(14, 112), help="digit side, px")
    p.add_argument("--digits", type=int, nargs=2, default=(0, 6), help="digits per canvas")
    p.add_argument("--negatives", type=float, default=0.05, help="share with no digit")
    p.add_argument("--max-iou", type=float, default=0.1)
    p.add_argument("--counts", type=int, nargs=3, default=(3000, 300, 600), help="train val test")
    p.add_argument("--quality", type=int, default=85, help="JPEG quality")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def resized(digit: torch.Tensor, side: int) -> np.ndarray:
    x = digit.float().view(1, 1, 28, 28)
    y = F.interpolate(x, size=(side, side), mode="bilinear", antialias=True, align_corners=False)
    return y.round().clamp(0, 255)[0, 0].numpy()


def background(rng: np.random.Generator, w: int, h: int, clutter: torch.Tensor) -> Image.Image:
    """A smooth gradient with blobs, bars, strokes and a few digit-like scribbles."""
    c0, c1 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    t = np.linspace(0, 1, w)[None, :, None] * rng.uniform(0.3, 1)
    t = t + np.linspace(0, 1, h)[:, None, None] * rng.uniform(0, 0.7)
    base = c0 + (c1 - c0) * np.clip(t, 0, 1)
    image = Image.fromarray(base.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(rng.integers(4, 14)):
        colour = tuple(int(v) for v in rng.uniform(0, 255, 3))
        x, y = rng.uniform(-20, w), rng.uniform(-20, h)
        a, b = rng.uniform(6, 70, 2)
        kind = rng.integers(4)
        if kind == 0:
            draw.ellipse([x, y, x + a, y + b], fill=colour)
        elif kind == 1:
            draw.rectangle([x, y, x + a, y + b * 0.3], fill=colour)
        elif kind == 2:
            points = [(x + rng.uniform(-40, 40), y + rng.uniform(-40, 40)) for _ in range(3)]
            draw.line([(x, y), *points], fill=colour, width=int(rng.integers(1, 5)))
        else:
            draw.polygon(
                [(x + rng.uniform(-30, 30), y + rng.uniform(-30, 30)) for _ in range(4)],
                fill=colour,
            )
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0, 1.5)))
    # digit-like distractors: MNIST strokes cut in half and turned, so they are not digits
    pixels = np.asarray(image).astype(np.float32)
    for _ in range(rng.integers(0, 4)):
        side = int(rng.integers(14, 60))
        glyph = resized(clutter[rng.integers(len(clutter))], side)
        half = int(rng.integers(4))
        if half == 0:
            glyph[: side // 2] = 0
        elif half == 1:
            glyph[side // 2 :] = 0
        elif half == 2:
            glyph[:, : side // 2] = 0
        else:
            glyph[:, side // 2 :] = 0
        glyph = np.ascontiguousarray(np.rot90(glyph, int(rng.integers(1, 4))))
        blend(pixels, glyph, rng.uniform(0, 255, 3), rng, w, h)
    return pixels


def blend(
    pixels: np.ndarray,
    glyph: np.ndarray,
    colour: np.ndarray,
    rng,
    w: int,
    h: int,
    at: tuple[int, int] | None = None,
) -> tuple[int, int]:
    side = glyph.shape[0]
    top, left = (
        at
        if at
        else (
            int(rng.integers(-side // 3, h - side // 2)),
            int(rng.integers(-side // 3, w - side // 2)),
        )
    )
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + side, h), min(left + side, w)
    if y1 <= y0 or x1 <= x0:
        return top, left
    alpha = glyph[y0 - top : y1 - top, x0 - left : x1 - left, None] / 255.0
    patch = pixels[y0:y1, x0:x1]
    patch[:] = patch * (1 - alpha) + colour * alpha
    return top, left


def contrasting(rng: np.random.Generator, under: np.ndarray) -> np.ndarray:
    """A random colour far enough from the mean colour under the digit to be seen."""
    for _ in range(20):
        colour = rng.uniform(0, 255, 3)
        if np.abs(colour - under).sum() > 150:
            return colour
    return 255 - under


def scene(rng, digits, labels, clutter, args) -> tuple[np.ndarray, list[list[float]]]:
    w, h = args.width, args.height
    pixels = background(rng, w, h, clutter)
    boxes: list[np.ndarray] = []
    rows = []
    count = (
        0
        if rng.random() < args.negatives
        else int(rng.integers(max(args.digits[0], 1), args.digits[1] + 1))
    )
    lo, hi = math.log(args.sizes[0]), math.log(args.sizes[1])
    for _ in range(count):
        k = int(rng.integers(len(digits)))
        side = min(round(math.exp(rng.uniform(lo, hi))), h)
        glyph = resized(digits[k], side)
        ys, xs = np.nonzero(glyph >= INK)
        if len(xs) == 0:
            continue
        for _attempt in range(20):
            top, left = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
            box = np.array(
                [left + xs.min(), top + ys.min(), left + xs.max() + 1, top + ys.max() + 1],
                dtype=np.float64,
            )
            if boxes and iou(box, np.stack(boxes)).max() > args.max_iou:
                continue
            under = pixels[top : top + side, left : left + side].reshape(-1, 3).mean(0)
            blend(pixels, glyph, contrasting(rng, under), rng, w, h, at=(top, left))
            boxes.append(box)
            cx, cy = (box[0] + box[2]) / 2 / w, (box[1] + box[3]) / 2 / h
            rows.append([int(labels[k]), cx, cy, (box[2] - box[0]) / w, (box[3] - box[1]) / h])
            break
    pixels += rng.normal(0, rng.uniform(2, 8), pixels.shape)
    return np.clip(pixels, 0, 255).astype(np.uint8), rows


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x1, y1 = np.maximum(a[0], b[:, 0]), np.maximum(a[1], b[:, 1])
    x2, y2 = np.minimum(a[2], b[:, 2]), np.minimum(a[3], b[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = lambda z: (z[..., 2] - z[..., 0]) * (z[..., 3] - z[..., 1])  # noqa: E731
    return inter / (area(a) + area(b) - inter)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        raise SystemExit(f"{args.out} is not empty")
    mnist = MNISTDataModule(args.data_dir)
    train_digits, train_labels = mnist.load_split(train=True)
    test_digits, test_labels = mnist.load_split(train=False)
    perm = torch.Generator().manual_seed(args.seed)
    order = torch.randperm(len(train_digits), generator=perm)
    n_val = len(order) // 10
    pools = {
        "train": (train_digits[order[n_val:]], train_labels[order[n_val:]]),
        "val": (train_digits[order[:n_val]], train_labels[order[:n_val]]),
        "test": (test_digits, test_labels),
    }
    for s, (split, count) in enumerate(zip(("train", "val", "test"), args.counts, strict=True)):
        rng = np.random.default_rng([args.seed, s])
        digits, labels = pools[split]
        (args.out / "images" / split).mkdir(parents=True)
        (args.out / "labels" / split).mkdir(parents=True)
        for i in range(count):
            pixels, rows = scene(rng, digits, labels, digits, args)
            Image.fromarray(pixels).save(
                args.out / "images" / split / f"{i:06d}.jpg", quality=args.quality
            )
            lines = "".join(f"{r[0]} {r[1]:.6f} {r[2]:.6f} {r[3]:.6f} {r[4]:.6f}\n" for r in rows)
            (args.out / "labels" / split / f"{i:06d}.txt").write_text(lines)
    names = "\n".join(f"  {d}: '{d}'" for d in range(10))
    (args.out / "data.yaml").write_text(
        f"path: {args.out.resolve()}\ntrain: images/train\nval: images/val\ntest: images/test\n"
        f"nc: 10\nnames:\n{names}\n"
    )
    print(f"wrote {sum(args.counts)} images to {args.out}")


if __name__ == "__main__":
    main()
