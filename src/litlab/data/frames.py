"""Reading user CSV files into pandas, with one-sentence errors that name the file and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from litlab.errors import ConfigError, DataError


def resolve_csv(path: str | None, data_dir: str, option: str = "data.path") -> Path:
    """`path` as given, or under `data_dir` when it is relative and not found as given."""
    if not path:
        raise ConfigError(f"{option} is not set; give the CSV file to read ({option}=FILE.csv).")
    candidates = [Path(path)]
    if not Path(path).is_absolute():
        candidates.append(Path(data_dir) / path)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise DataError(f"{option}={path}: no such file here or under {data_dir}/.")


def read_csv(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path)
    except Exception as exc:
        raise DataError(f"{path} could not be read as CSV ({exc}).") from None
    if frame.empty:
        raise DataError(f"{path} holds no data rows.")
    return frame


def require_columns(frame: pd.DataFrame, columns: list[str], source: str, option: str) -> None:
    """Every name in `columns` must be a column of `frame`."""
    for column in columns:
        if column not in frame.columns:
            shown = ", ".join(map(str, list(frame.columns)[:12]))
            raise DataError(f"{option}: {source} has no column {column!r} (columns: {shown}).")


def as_numbers(values: pd.Series, source: str) -> pd.Series:
    """A column as floats (booleans become 0/1); text that is not a number is an error."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    numbers = pd.to_numeric(values, errors="coerce")
    bad = values[numbers.isna() & values.notna()]
    if len(bad):
        raise DataError(
            f"column {values.name!r} of {source} must be numeric but holds {bad.iloc[0]!r}; "
            "declare it categorical or drop it."
        )
    return numbers.astype(float)
