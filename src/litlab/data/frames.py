"""Reading user CSV files into pandas, with one-sentence errors that name the file and column."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
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


# cells that mean "no value": pandas' own markers and the "?" of many public data sets, read
# case-sensitively as pandas does, after surrounding whitespace is stripped
MISSING_MARKERS = frozenset(
    {"", "?", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "None", "null", "NULL", "<NA>"}
    | {"#N/A", "#N/A N/A", "#NA", "1.#IND", "-1.#IND", "1.#QNAN", "-1.#QNAN"}
)
LEADING_ZERO = r"^[+-]?0\d"  # "007", "-012": a code, not the number 7


def read_csv(path: Path) -> pd.DataFrame:
    """The table in `path`, one column per header name; malformed files are a `DataError`.

    Names and cells lose surrounding whitespace, `MISSING_MARKERS` become gaps; a column whose
    every value is a number (and none a code with a leading zero) is numeric (whole numbers
    with gaps as pandas' Int64), one of only true/false is boolean, anything else stays text
    as written."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8.") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} is empty; it needs a header row and data rows.") from None
    except pd.errors.ParserError as exc:
        # pandas: "Error tokenizing data. C error: Expected 2 fields in line 3, saw 3\n"
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        detail = (
            f"line {found[2]} has {found[3]} fields where the header has {found[1]}"
            if found
            else str(exc).strip().splitlines()[-1].rstrip(".")
        )
        raise DataError(f"{path} is not a well-formed CSV table ({detail}).") from None
    except Exception as exc:
        first_line = str(exc).strip().splitlines()[0].rstrip(".") if str(exc).strip() else ""
        raise DataError(
            f"{path} could not be read as CSV ({type(exc).__name__}: {first_line})."
        ) from None
    if not isinstance(raw.index, pd.RangeIndex):
        # pandas turns the first column into the index when the first data row is one field
        # longer than the header, shifting every value one column to the left
        raise DataError(
            f"{path} is not a well-formed CSV table (line 2 has more fields than the header)."
        )
    with path.open(encoding="utf-8-sig", newline="") as file:
        header = [name.strip() for name in next(csv.reader(file), [])]
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:  # pandas renames a repeated name "a" to "a.1"
        raise DataError(f"{path} names more than one column {repeated[0]!r}; rename them apart.")
    if raw.empty:
        raise DataError(f"{path} holds no data rows.")
    names = [str(name).strip() for name in raw.columns]
    return pd.DataFrame(
        {name: typed(raw[column]) for name, column in zip(names, raw.columns, strict=True)}
    )


def typed(cells: pd.Series) -> pd.Series:
    """One column of cell texts as numbers, booleans or text (gaps as NaN / NA)."""
    text = cells.astype(object).str.strip()
    text = text.where(~text.isin(MISSING_MARKERS))
    present = text.dropna()
    if present.empty:
        return pd.Series(np.nan, index=text.index, dtype=float)
    lowered = present.str.lower()
    if lowered.isin(("true", "false")).all():
        flags = text.str.lower().map({"true": True, "false": False})
        return flags.astype(bool) if len(present) == len(text) else flags.astype("boolean")
    numbers = pd.to_numeric(present, errors="coerce")
    if numbers.notna().all() and not present.str.contains(LEADING_ZERO).any():
        if len(present) < len(text) and present.str.fullmatch(r"[+-]?\d+").all():
            return pd.to_numeric(text).astype("Int64")  # whole numbers with gaps stay whole
        return pd.to_numeric(text)
    return text.astype(str).where(text.notna())


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
