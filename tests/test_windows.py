"""Sliding windows: every window, each input followed by exactly its own targets."""

from __future__ import annotations

import numpy as np

from litlab.data.windows import make_windows, window_starts


def test_window_starts_cover_the_segment_and_no_further():
    assert window_starts(10, 3, 2, 1).tolist() == [0, 1, 2, 3, 4, 5]
    assert window_starts(10, 3, 2, 2).tolist() == [0, 2, 4]
    assert window_starts(5, 3, 2, 1).tolist() == [0]  # one window fills the segment exactly
    assert window_starts(4, 3, 2, 1).tolist() == []  # too short for one


def test_each_window_holds_its_lookback_then_its_horizon():
    values = np.arange(20, dtype=float).reshape(10, 2)  # row r holds 2r and 2r + 1
    target = np.arange(100, 110, dtype=float)
    x, y, rows = make_windows(values, target, lookback=3, horizon=2, stride=2)
    assert x.shape == (3, 3, 2) and y.shape == (3, 2)
    assert rows.tolist() == [3, 5, 7]  # the row of each window's first target
    for i, s in enumerate([0, 2, 4]):
        assert np.array_equal(x[i], values[s : s + 3])
        assert y[i].tolist() == [100 + s + 3, 100 + s + 4]
