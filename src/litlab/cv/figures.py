"""Figures of a cross-validation: the folds' scores, and the bootstrap's running mean."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure


def fold_scores(scores: list[float], name: str, path: Path) -> Path:
    """One point per fold, with the mean and a band of one sample std; the axis spans the
    scores (bars from zero would hide differences of a fraction of a percent)."""
    array = np.asarray(scores)
    fig = Figure(figsize=(6, 3.5), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(range(len(array)), array, "o", color="tab:blue", markersize=8, label="fold")
    mean, std = array.mean(), array.std(ddof=1) if len(array) > 1 else 0.0
    ax.axhline(mean, color="black", label=f"mean {mean:.4g} ± {std:.2g} (std)")
    ax.axhspan(mean - std, mean + std, color="grey", alpha=0.2)
    spread = max(float(np.ptp(array)), std, 1e-3 * max(abs(mean), 1e-12))
    ax.set_ylim(array.min() - spread, array.max() + spread)
    ax.set(xlabel="fold", ylabel=name, xticks=range(len(array)))
    ax.legend(loc="best")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path


def running_mean(scores: list[float], name: str, path: Path) -> Path:
    """The mean of the first n resamples' scores against n, with the 2.5-97.5 percentile band
    of those n scores: once both flatten, more resamples would change little."""
    array = np.asarray(scores)
    n = np.arange(1, len(array) + 1)
    means = np.cumsum(array) / n
    low = [np.percentile(array[:k], 2.5) for k in n]
    high = [np.percentile(array[:k], 97.5) for k in n]
    fig = Figure(figsize=(6, 3.5), layout="constrained")
    ax = fig.add_subplot()
    ax.fill_between(n, low, high, color="tab:blue", alpha=0.2, label="95% interval")
    ax.plot(n, means, color="tab:blue", label="running mean")
    ax.scatter(n, array, color="grey", s=10, label="resample")
    ax.set(xlabel="resamples", ylabel=name)
    ax.legend(loc="lower right")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path
