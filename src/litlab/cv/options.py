"""The `cv:` options: whether a run is a cross-validation, and which values can work.

No scikit-learn here: every training run asks `requested`, and most are not CV runs.
"""

from __future__ import annotations

from typing import Any

from litlab.errors import ConfigError


def requested(cfg: Any) -> bool:
    """Whether `cfg` asks for a CV or bootstrap driver run (not one fold of it)."""
    cv = cfg.get("cv") or {}
    return bool(cv.get("folds") or cv.get("bootstrap")) and cv.get("fold") is None


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
