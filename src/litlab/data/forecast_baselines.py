"""Reference forecasts on the same windows the network sees: persistence, seasonal naive and
a linear autoregressive model (least squares on the same lookback window)."""

from __future__ import annotations

import math

import numpy as np
from sklearn.linear_model import LinearRegression


def persistence(x_target: np.ndarray, horizon: int) -> np.ndarray:
    """Every future step equals the last observed value. `x_target`: (N, lookback)."""
    return np.repeat(x_target[:, -1:], horizon, axis=1)


def seasonal_naive(x_target: np.ndarray, horizon: int, season: int) -> np.ndarray | None:
    """Step h repeats the value one (or more) seasons earlier; None when the lookback window
    does not reach back far enough."""
    lookback = x_target.shape[1]
    if lookback < season * math.ceil(horizon / season):
        return None
    cols = [lookback + h - season * math.ceil((h + 1) / season) for h in range(horizon)]
    return x_target[:, cols]


def fit_linear_ar(x_train: np.ndarray, y_train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ordinary least squares (no ridge) from the flattened window (N, lookback * F: every lag
    of every input column) to each horizon step (N, horizon), one independent fit per step.
    Returns (coef (horizon, lookback * F), intercept (horizon,)); the forecaster's linear skip
    starts from exactly this fit."""
    y = y_train.reshape(len(y_train), -1)
    model = LinearRegression().fit(x_train.reshape(len(x_train), -1), y)
    return np.atleast_2d(model.coef_), np.atleast_1d(model.intercept_)


def linear_ar(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray) -> np.ndarray:
    """Forecasts (N, horizon) of the least-squares AR fit of `fit_linear_ar`."""
    coef, intercept = fit_linear_ar(x_train, y_train)
    return x_test.reshape(len(x_test), -1) @ coef.T + intercept


def forecast_scores(pred: np.ndarray, y: np.ndarray, stage: str = "test") -> dict[str, float]:
    """Overall rmse / mae and per horizon step (`_h1`, `_h2`, ...), in the units given."""
    err = pred - y
    scores = {
        f"{stage}/rmse": float(np.sqrt((err**2).mean())),
        f"{stage}/mae": float(np.abs(err).mean()),
    }
    for h in range(y.shape[1]):
        scores[f"{stage}/rmse_h{h + 1}"] = float(np.sqrt((err[:, h] ** 2).mean()))
        scores[f"{stage}/mae_h{h + 1}"] = float(np.abs(err[:, h]).mean())
    return scores
