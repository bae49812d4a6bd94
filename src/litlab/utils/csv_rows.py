"""Rows of dicts as a CSV file: the tables a report, a search or a cross-validation leaves."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def write_rows(rows: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """One column per key any row has (in order of first appearance), blank where a row has
    none; written beside and then moved over `path`, so a reader never sees half a table."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = list(dict.fromkeys(key for row in rows for key in row))
    partial = path.with_name(path.name + ".tmp")
    with partial.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    partial.replace(path)
    return path
