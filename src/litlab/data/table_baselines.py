"""scikit-learn reference models fitted on exactly the split and encoding the network sees."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, mean_absolute_error, mean_squared_error, r2_score
from sklearn.preprocessing import OneHotEncoder

Split = tuple[np.ndarray, np.ndarray, np.ndarray]  # x_num (standardised), x_cat codes, y


def linear_features(x_num: np.ndarray, x_cat: np.ndarray, categories: tuple[int, ...]):
    """Numeric columns plus one-hot categories, for the linear models."""
    if not categories:
        return x_num
    onehot = OneHotEncoder(categories=[np.arange(n) for n in categories], sparse_output=False)
    return np.hstack([x_num, onehot.fit_transform(x_cat)])


def regression_scores(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    return {
        "test/rmse": float(np.sqrt(mean_squared_error(y, pred))),
        "test/mae": float(mean_absolute_error(y, pred)),
        "test/r2": float(r2_score(y, pred)),
    }


def table_baselines(
    task: str, train: Split, test: Split, categories: tuple[int, ...], seed: int = 0
) -> dict[str, dict[str, float]]:
    """Logistic regression (classification) or ridge regression (regression), and histogram
    gradient boosting with native categorical splits (vocabularies up to 255)."""
    (tr_num, tr_cat, tr_y), (te_num, te_cat, te_y) = train, test
    lin_train = linear_features(tr_num, tr_cat, categories)
    lin_test = linear_features(te_num, te_cat, categories)
    trees_train, trees_test = np.hstack([tr_num, tr_cat]), np.hstack([te_num, te_cat])
    native = [False] * tr_num.shape[1] + [n <= 255 for n in categories]
    if task == "classification":
        linear = LogisticRegression(max_iter=5000).fit(lin_train, tr_y)
        boosting = HistGradientBoostingClassifier(
            categorical_features=native, random_state=seed
        ).fit(trees_train, tr_y)
        return {
            "logistic": {"test/acc": float(accuracy_score(te_y, linear.predict(lin_test)))},
            "gradient_boosting": {
                "test/acc": float(accuracy_score(te_y, boosting.predict(trees_test)))
            },
        }
    linear = Ridge(alpha=1.0).fit(lin_train, tr_y)
    boosting = HistGradientBoostingRegressor(categorical_features=native, random_state=seed)
    boosting.fit(trees_train, tr_y)
    return {
        "ridge": regression_scores(te_y, linear.predict(lin_test)),
        "gradient_boosting": regression_scores(te_y, boosting.predict(trees_test)),
    }
