"""What cross-validation may resplit (a datamodule's data less its fixed test split), and the
datamodules that can be resplit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from litlab.errors import ConfigError


@dataclass(frozen=True)
class CVPool:
    """The train+val pool of a datamodule, described for scikit-learn's splitters.

    Positions 0..size-1 are the pool's items in a fixed order; the fold indices a splitter
    gives are positions in that order (`Foldable.set_fold`).
    """

    size: int
    labels: np.ndarray | None = None  # class of each item (stratified splits), None for values
    groups: np.ndarray | None = None  # group of each item (`cv.group`): grouped splits
    ordered: bool = False  # a series: folds must chain forward in time


class Foldable:
    """A datamodule that cross-validation can resplit: it describes its pool (`cv_pool`) and,
    given a fold before `setup()`, trains and validates on that fold instead of its own split;
    the test split stays the fixed one."""

    # (train, val) positions in `cv_pool()` that replace the normal split
    fold: tuple[np.ndarray, np.ndarray] | None = None

    def cv_pool(self, group: str | None = None) -> CVPool:
        """The train+val pool, grouped by the column `group` when given."""
        raise NotImplementedError

    def set_fold(self, train: np.ndarray, val: np.ndarray) -> None:
        self.fold = (np.asarray(train), np.asarray(val))

    def no_groups(self, group: str | None) -> None:
        """One sentence for `cv.group` on data without columns to group by."""
        if group is not None:
            raise ConfigError(
                f"cv.group={group} names a table column, but {type(self).__name__} has no "
                "columns; use cv.group with CSV tables only."
            )
