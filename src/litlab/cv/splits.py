"""Fold indices from scikit-learn's splitters, chosen by what the data's pool is."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn import model_selection as ms

from litlab.cv.options import check_options
from litlab.data.base import LitDataModule
from litlab.data.pool import CVPool
from litlab.errors import ConfigError

Fold = tuple[np.ndarray, np.ndarray]


def splitter(cv: Any, pool: CVPool) -> Any:
    """KFold / StratifiedKFold / (Stratified)GroupKFold / TimeSeriesSplit for `cv.folds`,
    (Stratified|Group)ShuffleSplit for `cv.bootstrap`."""
    seed = cv.get("seed", 0)
    stratified, grouped = pool.labels is not None, pool.groups is not None
    if cv.get("bootstrap"):
        if pool.ordered:
            raise ConfigError(
                "cv.bootstrap resplits at random, which would let a forecaster see the future; "
                "use cv.folds (forward-chaining) for a series."
            )
        options = {"n_splits": cv.bootstrap, "test_size": cv.holdout, "random_state": seed}
        if grouped:
            return ms.GroupShuffleSplit(**options)
        return ms.StratifiedShuffleSplit(**options) if stratified else ms.ShuffleSplit(**options)
    if pool.ordered:
        return ms.TimeSeriesSplit(n_splits=cv.folds)
    if grouped:
        if stratified:
            return ms.StratifiedGroupKFold(cv.folds, shuffle=True, random_state=seed)
        return ms.GroupKFold(cv.folds)
    if stratified:
        return ms.StratifiedKFold(cv.folds, shuffle=True, random_state=seed)
    return ms.KFold(cv.folds, shuffle=True, random_state=seed)


def fold_indices(cv: Any, datamodule: LitDataModule) -> tuple[str, list[Fold]]:
    """The splitter's name and each fold's (train, val) positions in the datamodule's pool."""
    check_options(cv)
    pool = datamodule.cv_pool(cv.get("group"))
    split = splitter(cv, pool)
    try:
        folds = list(split.split(np.zeros(pool.size), pool.labels, pool.groups))
    except ValueError as exc:
        first = str(exc).strip().splitlines()[0].rstrip(".")
        raise ConfigError(
            f"{type(split).__name__} cannot split the {pool.size} items of the pool: {first}."
        ) from None
    return type(split).__name__, folds


def select_fold(datamodule: LitDataModule, cv: Any) -> None:
    """Give the datamodule fold `cv.fold` of the resplit its config asks for (before setup)."""
    _, folds = fold_indices(cv, datamodule)
    if not 0 <= cv.fold < len(folds):
        raise ConfigError(f"cv.fold={cv.fold} is not one of the {len(folds)} folds (0-based).")
    datamodule.set_fold(*folds[cv.fold])
