"""Fold indices from scikit-learn's splitters, chosen by what the data's pool is (`cv:`)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn import model_selection as ms

from litlab.data.folds import CVPool, Foldable
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


def check_options(cv: Any) -> None:
    """One sentence for options that cannot work together or at all."""
    folds, bootstrap = cv.get("folds"), cv.get("bootstrap")
    if folds and bootstrap:
        raise ConfigError(
            f"cv.folds={folds} and cv.bootstrap={bootstrap} are two ways to resplit the data; "
            "set one of them."
        )
    if folds is not None and (not isinstance(folds, int) or folds < 2):
        raise ConfigError(f"cv.folds must be a whole number of at least 2, got {folds!r}.")
    if bootstrap is not None and (not isinstance(bootstrap, int) or bootstrap < 2):
        raise ConfigError(f"cv.bootstrap must be a number of resplits >= 2, got {bootstrap!r}.")
    if bootstrap and not 0 < float(cv.get("holdout", 0)) < 1:
        raise ConfigError(f"cv.holdout must be a fraction between 0 and 1, got {cv.holdout}.")


def fold_indices(cv: Any, datamodule: Any) -> tuple[str, list[Fold]]:
    """The splitter's name and each fold's (train, val) positions in the datamodule's pool."""
    check_options(cv)
    if not isinstance(datamodule, Foldable):
        raise ConfigError(
            f"cross-validation (cv.folds, cv.bootstrap) is not available for "
            f"{type(datamodule).__name__}; it works on images, tables and series."
        )
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


def select_fold(datamodule: Foldable, cv: Any) -> None:
    """Give the datamodule fold `cv.fold` of the resplit its config asks for (before setup)."""
    _, folds = fold_indices(cv, datamodule)
    if not 0 <= cv.fold < len(folds):
        raise ConfigError(f"cv.fold={cv.fold} is not one of the {len(folds)} folds (0-based).")
    datamodule.set_fold(*folds[cv.fold])
