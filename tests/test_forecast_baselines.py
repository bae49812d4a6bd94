"""The reference forecasts, each on windows whose right answer is known by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from litlab.data.forecast_baselines import (
    fit_linear_ar,
    forecast_scores,
    linear_ar,
    persistence,
    seasonal_naive,
)


def test_persistence_repeats_the_last_observed_value():
    x = np.array([[1.0, 2.0, 3.0], [7.0, 8.0, 9.0]])
    assert persistence(x, 2).tolist() == [[3.0, 3.0], [9.0, 9.0]]


def test_seasonal_naive_repeats_the_value_one_or_more_seasons_back():
    x = np.arange(12, dtype=float).reshape(2, 6)  # lookback 6, values 0..5 and 6..11
    # season 3, horizon 4: steps 1-3 repeat lags 3, 4, 5; step 4 reaches two seasons back
    assert seasonal_naive(x, 4, 3).tolist() == [[3, 4, 5, 3], [9, 10, 11, 9]]
    assert seasonal_naive(x, 2, 6).tolist() == [[0, 1], [6, 7]]  # the window is one season
    assert seasonal_naive(x, 1, 1).tolist() == [[5], [11]]
    assert seasonal_naive(x, 7, 6) is None  # two seasons back: the window holds one
    assert seasonal_naive(x, 1, 7) is None


def test_the_linear_ar_fit_recovers_a_linear_rule_exactly():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 4, 2))  # 4 lags of 2 columns
    y = np.stack([2 * x[:, -1, 0] - x[:, 0, 1] + 3, 0.5 * x[:, 2, 1] - 1], axis=1)
    coef, intercept = fit_linear_ar(x, y)
    want = np.zeros((2, 8))
    want[0, 6], want[0, 1], want[1, 5] = 2, -1, 0.5  # flattened: lag * 2 + column
    assert coef.shape == (2, 8) and np.allclose(coef, want) and np.allclose(intercept, [3, -1])
    x_new = rng.normal(size=(5, 4, 2))
    pred = linear_ar(x, y, x_new)
    assert np.allclose(pred[:, 0], 2 * x_new[:, -1, 0] - x_new[:, 0, 1] + 3)
    assert np.allclose(pred[:, 1], 0.5 * x_new[:, 2, 1] - 1)


def test_one_step_targets_as_a_plain_vector_fit_too():
    x = np.arange(30, dtype=float).reshape(10, 3) ** 1.5
    coef, intercept = fit_linear_ar(x, 4 * x[:, 1] + 1)  # (N,) targets: horizon 1
    assert coef.shape == (1, 3) and intercept.shape == (1,)
    assert np.allclose(linear_ar(x, 4 * x[:, 1] + 1, x)[:, 0], 4 * x[:, 1] + 1)


def test_scores_overall_and_per_horizon_step():
    y = np.zeros((2, 2))
    pred = np.array([[1.0, -2.0], [3.0, 0.0]])
    scores = forecast_scores(pred, y, stage="val")
    assert scores == pytest.approx(
        {
            "val/rmse": math.sqrt(14 / 4),
            "val/mae": 6 / 4,
            "val/rmse_h1": math.sqrt(10 / 2),
            "val/mae_h1": 2.0,
            "val/rmse_h2": math.sqrt(4 / 2),
            "val/mae_h2": 1.0,
        }
    )
    assert set(forecast_scores(pred, y)) == {s.replace("val", "test") for s in scores}
