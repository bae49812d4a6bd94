"""What cross-validation may resplit: a datamodule's data less its fixed test split."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CVPool:
    """The train+val pool of a datamodule, described for scikit-learn's splitters.

    Positions 0..size-1 are the pool's items in a fixed order; the fold indices a splitter
    gives are positions in that order (`LitDataModule.set_fold`).
    """

    size: int
    labels: np.ndarray | None = None  # class of each item (stratified splits), None for values
    groups: np.ndarray | None = None  # group of each item (`cv.group`): grouped splits
    ordered: bool = False  # a series: folds must chain forward in time
