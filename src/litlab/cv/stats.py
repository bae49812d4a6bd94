"""Mean, sample std and percentile interval of the folds' scores."""

from __future__ import annotations

from typing import Any

import numpy as np


def describe(values: list[float], interval: bool) -> dict[str, Any]:
    """Mean and sample std (n - 1); with `interval`, the 95% percentile interval over them."""
    array = np.asarray(values, dtype=float)
    out: dict[str, Any] = {
        "mean": float(array.mean()),
        "std": float(array.std(ddof=1)) if len(array) > 1 else None,
    }
    if interval:
        out["interval"] = [float(q) for q in np.percentile(array, [2.5, 97.5])]
    return out


def mean_metrics(folds: list[dict[str, Any]]) -> dict[str, float]:
    """Each metric every fold logged, averaged over the folds."""
    names = set.intersection(*(set(f["metrics"]) for f in folds))
    return {
        name: float(np.mean([f["metrics"][name] for f in folds]))
        for name in sorted(names)
        if all(isinstance(f["metrics"][name], int | float) for f in folds)
    }
