"""Column types and the train-split encoding of table rows into numeric and category tensors.

Missing-value rule: a numeric gap is filled with the column's training-split median and a 0/1
`<column>__missing` indicator column is added for every numeric column that has gaps in the
training split; a categorical gap is its own category ("<missing>"). Numeric columns are then
standardised with training-split mean and std. Category index 0 is the "unknown" slot, used at
val/test time for values never seen in training.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

from litlab.data.frames import as_numbers, require_columns
from litlab.errors import DataError

MISSING = "<missing>"


@dataclass
class ColumnTypes:
    numeric: list[str]
    categorical: list[str]


def infer_column_types(
    frame: pd.DataFrame,
    target: str,
    source: str,
    categorical: list[str] | None = None,
    numeric: list[str] | None = None,
    drop: list[str] | None = None,
) -> ColumnTypes:
    """Numbers and booleans are numeric, anything else categorical; `categorical`/`numeric`
    override the guess for the columns they name, `drop` removes columns."""
    categorical, numeric, drop = list(categorical or []), list(numeric or []), list(drop or [])
    for option, names in (("data.categorical", categorical), ("data.numeric", numeric)):
        require_columns(frame, names, source, option)
    require_columns(frame, drop, source, "data.drop")
    types = ColumnTypes([], [])
    for column in frame.columns:
        if column == target or column in drop:
            continue
        values = frame[column]
        if column in categorical:
            types.categorical.append(column)
        elif column in numeric:
            as_numbers(values, source)  # raises on text
            types.numeric.append(column)
        elif pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            types.numeric.append(column)
        else:
            types.categorical.append(column)
    if not types.numeric and not types.categorical:
        raise DataError(f"{source} has no input columns besides the target {target!r}.")
    return types


class TableEncoder:
    """Fitted on the training split only; turns any split into (x_num, x_cat) tensors."""

    def __init__(self, types: ColumnTypes, source: str) -> None:
        self.types = types
        self.source = source
        self.medians: dict[str, float] = {}
        self.indicators: list[str] = []
        self.mean = np.zeros(0)
        self.std = np.ones(0)
        self.vocab: dict[str, dict[str, int]] = {}

    def state(self) -> dict[str, Any]:
        """The fitted encoding as plain values (lists, floats, strings), for a checkpoint."""
        return {
            "numeric": list(self.types.numeric),
            "categorical": list(self.types.categorical),
            "medians": [self.medians[c] for c in self.types.numeric],
            "indicators": list(self.indicators),
            "mean": [float(v) for v in self.mean],
            "std": [float(v) for v in self.std],
            "vocab": [sorted(self.vocab[c], key=self.vocab[c].get) for c in self.types.categorical],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], source: str) -> TableEncoder:
        """The encoder `state()` described, ready to `transform` new rows as in training."""
        encoder = cls(ColumnTypes(list(state["numeric"]), list(state["categorical"])), source)
        encoder.medians = dict(zip(state["numeric"], map(float, state["medians"]), strict=True))
        encoder.indicators = list(state["indicators"])
        encoder.mean = np.asarray(state["mean"], dtype=np.float64)
        encoder.std = np.asarray(state["std"], dtype=np.float64)
        encoder.vocab = {
            column: {value: i + 1 for i, value in enumerate(values)}
            for column, values in zip(state["categorical"], state["vocab"], strict=True)
        }
        return encoder

    def fit(self, frame: pd.DataFrame) -> TableEncoder:
        for column in self.types.numeric:
            values = as_numbers(frame[column], self.source)
            if values.isna().all():
                raise DataError(
                    f"column {column!r} of {self.source} has no values in the training split, "
                    f"so its gaps cannot be filled; drop it with data.drop=[{column}]."
                )
            self.medians[column] = float(values.median())
            if values.isna().any():
                self.indicators.append(column)
        filled = self.check_finite(self.numeric_matrix(frame))  # before inf - inf makes NaN
        self.mean = filled.mean(axis=0)
        std = filled.std(axis=0)
        self.std = np.where(std > 1e-12, std, 1.0)
        for column in self.types.categorical:
            seen = sorted(set(self.category_strings(frame[column])))
            self.vocab[column] = {value: i + 1 for i, value in enumerate(seen)}  # 0 = unknown
        return self

    @staticmethod
    def category_strings(values: pd.Series) -> pd.Series:
        return values.astype(object).where(values.notna(), MISSING).astype(str)

    def numeric_matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """Median-filled numeric columns followed by the missing indicators (not yet scaled)."""
        columns = []
        for column in self.types.numeric:
            values = as_numbers(frame[column], self.source)
            columns.append(values.fillna(self.medians[column]).to_numpy())
        for column in self.indicators:
            columns.append(frame[column].isna().to_numpy(dtype=float))
        return np.stack(columns, axis=1) if columns else np.zeros((len(frame), 0))

    def transform(self, frame: pd.DataFrame) -> tuple[torch.Tensor, torch.Tensor]:
        x_num = (self.check_finite(self.numeric_matrix(frame)) - self.mean) / self.std
        codes = [
            self.category_strings(frame[c]).map(self.vocab[c]).fillna(0).to_numpy(dtype=np.int64)
            for c in self.types.categorical
        ]
        x_cat = np.stack(codes, axis=1) if codes else np.zeros((len(frame), 0), dtype=np.int64)
        return torch.tensor(x_num, dtype=torch.float32), torch.tensor(x_cat)

    def check_finite(self, matrix: np.ndarray) -> np.ndarray:
        bad = ~np.isfinite(matrix).all(axis=0)
        if bad.any():
            column = self.numeric_names[int(np.argmax(bad))]
            raise DataError(
                f"column {column!r} of {self.source} still holds NaN or infinite values after "
                "the missing-value rule; clean or drop it."
            )
        return matrix

    @property
    def numeric_names(self) -> list[str]:
        return [*self.types.numeric, *(f"{c}__missing" for c in self.indicators)]

    @property
    def categories(self) -> tuple[int, ...]:
        """Vocabulary size of each categorical column, the unknown slot included."""
        return tuple(len(self.vocab[c]) + 1 for c in self.types.categorical)
