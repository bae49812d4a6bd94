"""The resplit `cv:` asks for: which scikit-learn splitter, with which settings, and the
sentence for options that cannot work."""

from __future__ import annotations

import numpy as np
import pytest
from omegaconf import OmegaConf
from sklearn import model_selection as ms

from litlab.data.folds import CVPool, Foldable
from litlab.data.splits import check_options, fold_indices, select_fold, splitter
from litlab.errors import ConfigError

LABELS, GROUPS = np.array([0, 1] * 10), np.repeat(np.arange(5), 4)


def cv(**options):
    return OmegaConf.create(options)


@pytest.mark.parametrize(
    ("pool", "kind", "settings"),
    [
        (CVPool(20), ms.KFold, {"n_splits": 4, "shuffle": True, "random_state": 7}),
        (
            CVPool(20, LABELS),
            ms.StratifiedKFold,
            {"n_splits": 4, "shuffle": True, "random_state": 7},
        ),
        (CVPool(20, None, GROUPS), ms.GroupKFold, {"n_splits": 4}),
        (
            CVPool(20, LABELS, GROUPS),
            ms.StratifiedGroupKFold,
            {"n_splits": 4, "shuffle": True, "random_state": 7},
        ),
        (CVPool(20, ordered=True), ms.TimeSeriesSplit, {"n_splits": 4}),
    ],
)
def test_folds_use_the_splitter_the_pool_calls_for(pool, kind, settings):
    split = splitter(cv(folds=4, seed=7), pool)
    assert type(split) is kind
    assert {k: getattr(split, k) for k in settings} == settings


@pytest.mark.parametrize(
    ("pool", "kind"),
    [
        (CVPool(20), ms.ShuffleSplit),
        (CVPool(20, LABELS), ms.StratifiedShuffleSplit),
        (CVPool(20, LABELS, GROUPS), ms.GroupShuffleSplit),
        (CVPool(20, None, GROUPS), ms.GroupShuffleSplit),
    ],
)
def test_bootstrap_resplits_at_random_with_the_holdout_asked(pool, kind):
    split = splitter(cv(bootstrap=3, holdout=0.25, seed=5), pool)
    assert type(split) is kind
    assert (split.n_splits, split.test_size, split.random_state) == (3, 0.25, 5)


def test_the_seed_defaults_to_zero():
    assert splitter(cv(folds=3), CVPool(9)).random_state == 0
    assert splitter(cv(bootstrap=2, holdout=0.5), CVPool(9)).random_state == 0


def test_bootstrap_on_a_series_is_refused():
    with pytest.raises(ConfigError) as refused:
        splitter(cv(bootstrap=3, holdout=0.2), CVPool(20, ordered=True))
    assert str(refused.value) == (
        "cv.bootstrap resplits at random, which would let a forecaster see the future; "
        "use cv.folds (forward-chaining) for a series."
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"folds": 3, "bootstrap": 4},
            "cv.folds=3 and cv.bootstrap=4 are two ways to resplit the data; set one of them.",
        ),
        ({"folds": 1}, "cv.folds must be a whole number of at least 2, got 1."),
        ({"folds": 2.5}, "cv.folds must be a whole number of at least 2, got 2.5."),
        ({"bootstrap": 1}, "cv.bootstrap must be a number of resplits >= 2, got 1."),
        ({"bootstrap": "3"}, "cv.bootstrap must be a number of resplits >= 2, got '3'."),
        (
            {"bootstrap": 3, "holdout": 1.0},
            "cv.holdout must be a fraction between 0 and 1, got 1.0.",
        ),
        ({"bootstrap": 3, "holdout": 0}, "cv.holdout must be a fraction between 0 and 1, got 0."),
    ],
)
def test_options_that_cannot_work_are_one_sentence(options, message):
    with pytest.raises(ConfigError) as refused:
        check_options(cv(**options))
    assert str(refused.value) == message


@pytest.mark.parametrize(
    "options", [{"folds": 2}, {"bootstrap": 2, "holdout": 0.01}, {"bootstrap": 2, "holdout": 0.99}]
)
def test_options_that_work_pass(options):
    check_options(cv(**options))


class Pool(Foldable):
    def __init__(self, pool: CVPool) -> None:
        self.pool, self.asked = pool, []

    def cv_pool(self, group=None):
        self.asked.append(group)
        return self.pool


def test_fold_indices_are_the_splitters_folds_over_the_pool():
    data = Pool(CVPool(12, np.array([0, 1, 2] * 4)))
    name, folds = fold_indices(cv(folds=3, seed=1, group="site"), data)
    assert name == "StratifiedKFold" and data.asked == ["site"]
    want = ms.StratifiedKFold(3, shuffle=True, random_state=1).split(np.zeros(12), data.pool.labels)
    assert len(folds) == 3
    for (train, val), (want_train, want_val) in zip(folds, want, strict=True):
        assert train.tolist() == want_train.tolist() and val.tolist() == want_val.tolist()
    select_fold(data, cv(folds=3, seed=1, fold=2))
    assert data.fold[1].tolist() == folds[2][1].tolist()
    assert data.fold[0].tolist() == folds[2][0].tolist()
    select_fold(data, cv(folds=3, seed=1, fold=0))
    assert data.fold[1].tolist() == folds[0][1].tolist()


@pytest.mark.parametrize("fold", [-1, 3])
def test_a_fold_beyond_the_resplit_is_refused(fold):
    with pytest.raises(ConfigError) as refused:
        select_fold(Pool(CVPool(12)), cv(folds=3, fold=fold))
    assert str(refused.value) == f"cv.fold={fold} is not one of the 3 folds (0-based)."


def test_data_that_cannot_be_resplit_is_named():
    class Frames:
        pass

    with pytest.raises(ConfigError) as refused:
        fold_indices(cv(folds=3), Frames())
    assert str(refused.value) == (
        "cross-validation (cv.folds, cv.bootstrap) is not available for Frames; "
        "it works on images, tables and series."
    )
    with pytest.raises(ConfigError, match=r"^cv\.folds must be"):
        fold_indices(cv(folds=1), Frames())  # the options first


def test_a_pool_the_splitter_cannot_split_is_one_sentence():
    with pytest.raises(ConfigError) as refused:
        fold_indices(cv(folds=5), Pool(CVPool(3)))
    assert str(refused.value) == (
        "KFold cannot split the 3 items of the pool: Cannot have number of splits n_splits=5 "
        "greater than the number of samples: n_samples=3."
    )
