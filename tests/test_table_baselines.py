"""The scikit-learn reference models: fitted on the split given, with the settings they name."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge

from litlab.data import table_baselines
from litlab.data.table_baselines import linear_features, regression_scores


def test_linear_features_one_hot_every_category_of_the_vocabulary():
    x_num = np.array([[0.5], [-1.0]])
    assert linear_features(x_num, np.zeros((2, 0), dtype=int), ()) is x_num
    features = linear_features(x_num, np.array([[0, 1], [2, 0]]), (4, 2))
    # the vocabulary sizes set the width, also for codes not present (3 of the first column)
    assert features.tolist() == [[0.5, 1, 0, 0, 0, 0, 1], [-1.0, 0, 0, 1, 0, 1, 0]]


def test_regression_scores_by_hand():
    y, pred = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 2.0, 3.0, 2.0])
    scores = regression_scores(y, pred)
    assert scores == pytest.approx(
        {"test/rmse": math.sqrt(5 / 4), "test/mae": 3 / 4, "test/r2": 1 - 5 / 5}
    )
    assert regression_scores(y, y)["test/r2"] == 1.0


def split(rng: np.random.Generator, n: int, task: str) -> tuple[np.ndarray, ...]:
    x_num = rng.normal(size=(n, 2))
    x_cat = np.stack([rng.integers(0, 3, n), rng.integers(0, 256, n)], axis=1)
    signal = x_num[:, 0] - x_num[:, 1] + (x_cat[:, 0] == 1)
    y = (signal > 0.3).astype(int) if task == "classification" else 3 * signal + 2
    return x_num, x_cat, y


class Spy:
    """A scikit-learn estimator class that records the options it was built with."""

    def __init__(self, cls, seen: list[dict]) -> None:
        self.cls, self.seen = cls, seen

    def __call__(self, **options):
        self.seen.append(options)
        return self.cls(**options)


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_baselines_match_the_models_they_name_fitted_on_the_train_split(task, monkeypatch):
    rng = np.random.default_rng(1)
    train, test = split(rng, 200, task), split(rng, 80, task)
    categories = (3, 256)  # the second is too wide for native categorical splits
    seen: list[dict] = []
    for name in ("HistGradientBoostingClassifier", "HistGradientBoostingRegressor"):
        monkeypatch.setattr(table_baselines, name, Spy(getattr(table_baselines, name), seen))
    got = table_baselines.table_baselines(task, train, test, categories, seed=3)
    assert seen == [{"categorical_features": [False, False, True, False], "random_state": 3}]

    onehot = [linear_features(s[0], s[1], categories) for s in (train, test)]
    trees = [np.hstack(s[:2]) for s in (train, test)]
    native = seen[0]["categorical_features"]
    if task == "classification":
        linear = LogisticRegression(max_iter=5000).fit(onehot[0], train[2])
        boost = HistGradientBoostingClassifier(categorical_features=native, random_state=3)
        boost.fit(trees[0], train[2])
        want = {
            "logistic": {"test/acc": float((linear.predict(onehot[1]) == test[2]).mean())},
            "gradient_boosting": {"test/acc": float((boost.predict(trees[1]) == test[2]).mean())},
        }
        assert want["logistic"]["test/acc"] > 0.85  # a model that learnt the rule
    else:
        linear = Ridge(alpha=1.0).fit(onehot[0], train[2])
        boost = HistGradientBoostingRegressor(categorical_features=native, random_state=3)
        boost.fit(trees[0], train[2])
        want = {
            "ridge": regression_scores(test[2], linear.predict(onehot[1])),
            "gradient_boosting": regression_scores(test[2], boost.predict(trees[1])),
        }
        assert want["ridge"]["test/r2"] > 0.9
    assert got == want


def test_a_vocabulary_of_255_still_splits_natively(monkeypatch):
    rng = np.random.default_rng(2)
    x_num, x_cat, y = split(rng, 300, "classification")
    x_cat[:, 1] %= 255
    seen: list[dict] = []
    monkeypatch.setattr(
        table_baselines,
        "HistGradientBoostingClassifier",
        Spy(HistGradientBoostingClassifier, seen),
    )
    table_baselines.table_baselines(
        "classification", (x_num, x_cat, y), (x_num, x_cat, y), (3, 255)
    )
    assert seen[0]["categorical_features"] == [False, False, True, True]
