"""Stacking: a scikit-learn meta-model fitted on out-of-fold predictions."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge

from litlab.cv.ensemble import scores
from litlab.cv.members import Predictions


def log_probabilities(p: np.ndarray) -> np.ndarray:
    return np.log(np.clip(p, 1e-7, 1.0))


def stack(out_of_fold: list[Predictions], tests: list[Predictions]) -> dict[str, Any]:
    """Fit a logistic regression (classes, on log probabilities) or ridge regression (values)
    on every fold model's predictions for the pool rows it did not train on, then score the
    meta-model's output averaged over the members' test predictions."""
    kind = tests[0].target
    x = np.concatenate([p.values.reshape(len(p.values), -1) for p in out_of_fold])
    y = np.concatenate([p.targets for p in out_of_fold])
    targets = tests[0].targets
    if kind == "class":
        meta = LogisticRegression(max_iter=1000).fit(log_probabilities(x), y)
        classes = tests[0].values.shape[1]
        averaged = np.zeros((len(targets), classes))
        for member in tests:
            averaged[:, meta.classes_] += meta.predict_proba(log_probabilities(member.values))
        averaged /= len(tests)
        how = "logistic regression on out-of-fold log probabilities"
    else:
        shape = tests[0].values.shape
        meta = Ridge(alpha=1.0).fit(x, y.reshape(len(y), -1))
        predictions = [meta.predict(m.values.reshape(len(m.values), -1)) for m in tests]
        averaged = np.mean(predictions, axis=0).reshape(shape)
        how = "ridge regression on out-of-fold predictions"
    return {"how": how, "rows": len(y), "metrics": scores(averaged, targets, kind)}
