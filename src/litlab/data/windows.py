"""Sliding windows over one chronological segment of a series (never across segments)."""

from __future__ import annotations

import numpy as np


def window_starts(length: int, lookback: int, horizon: int, stride: int) -> np.ndarray:
    """First row of every window of `lookback` inputs followed by `horizon` targets."""
    return np.arange(0, length - lookback - horizon + 1, stride)


def make_windows(
    values: np.ndarray, target: np.ndarray, lookback: int, horizon: int, stride: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs (N, lookback, F) from `values` (L, F), targets (N, horizon) from `target` (L,),
    and the row (within the segment) of each window's first target."""
    starts = window_starts(len(values), lookback, horizon, stride)
    x = np.stack([values[s : s + lookback] for s in starts])
    y = np.stack([target[s + lookback : s + lookback + horizon] for s in starts])
    return x, y, starts + lookback
