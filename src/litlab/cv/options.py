"""The `cv:` options: whether a run is a cross-validation (`litlab.data.splits` checks them).

No scikit-learn here: every training run asks `requested`, and most are not CV runs.
"""

from __future__ import annotations

from typing import Any


def requested(cfg: Any) -> bool:
    """Whether `cfg` asks for a CV or bootstrap driver run (not one fold of it)."""
    cv = cfg.get("cv") or {}
    return bool(cv.get("folds") or cv.get("bootstrap")) and cv.get("fold") is None
