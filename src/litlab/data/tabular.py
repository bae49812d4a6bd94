"""Any CSV table with a named target column: classification or regression, inferred or set."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.model_selection import train_test_split

from litlab.data.base import LitDataModule, TensorBatches
from litlab.data.folds import CVPool, Foldable
from litlab.data.frames import as_numbers, read_csv, require_columns, resolve_csv
from litlab.data.spec import DataSpec
from litlab.data.table_baselines import table_baselines
from litlab.data.table_encoding import TableEncoder, infer_column_types
from litlab.errors import ConfigError, DataError

log = logging.getLogger(__name__)
TASKS = ("classification", "regression")


def infer_task(target: pd.Series, max_classes: int) -> str:
    """Text, booleans and categories are classes; integers with at most `max_classes` distinct
    values too; any other numbers are regression targets."""
    if not pd.api.types.is_numeric_dtype(target) or pd.api.types.is_bool_dtype(target):
        return "classification"
    if pd.api.types.is_integer_dtype(target) and target.nunique() <= max_classes:
        return "classification"
    return "regression"


class TabularDataModule(Foldable, LitDataModule):
    """Rows of a CSV file served as `(x_num, x_cat, y)` batches.

    The rows are split into stratified (classification) train/val/test shares; the encoding
    (see `table_encoding`: medians, missing indicators, standardisation, vocabularies) and the
    target scaling (regression) are fitted on the training split only. Subclasses may override
    `load_frame` to read their table from elsewhere.
    """

    def __init__(
        self,
        path: str | None = None,
        target: str | None = None,
        task: str | None = None,
        categorical: list[str] | None = None,
        numeric: list[str] | None = None,
        drop: list[str] | None = None,
        max_classes: int = 20,
        scale_target: bool = True,
        test_size: float = 0.2,
        val_size: float = 0.1,
        data_dir: str = "data",
        batch_size: int = 64,
        num_workers: int = 0,
        pin_memory: bool = False,
        split_seed: int = 0,
    ) -> None:
        super().__init__(data_dir, batch_size, num_workers, pin_memory, split_seed)
        if task not in (None, *TASKS):
            raise ConfigError(f"data.task must be null, classification or regression, not {task}")
        for name, share in (("test_size", test_size), ("val_size", val_size)):
            if not 0 < share < 1:
                raise ConfigError(f"data.{name} must be a fraction between 0 and 1, got {share}")
        self.path, self.target, self.task = path, target, task
        self.categorical, self.numeric, self.drop = categorical, numeric, drop
        self.max_classes, self.scale_target = max_classes, scale_target
        self.test_size, self.val_size = test_size, val_size
        self.train_set: TensorBatches | None = None
        self.val_set: TensorBatches | None = None
        self.test_set: TensorBatches | None = None
        self.source = str(path)

    def load_frame(self) -> pd.DataFrame:
        """The whole table; `self.source` names it in error messages."""
        path = resolve_csv(self.path, self.data_dir)
        self.source = str(path)
        return read_csv(path)

    # ------------------------------------------------------------------ setup
    def setup(self, stage: str | None = None) -> None:
        if self.train_set is not None:
            return
        frame, task = self.load_target()
        values = frame[self.target]
        types = infer_column_types(
            frame, self.target, self.source, self.categorical, self.numeric, self.drop
        )
        y, class_names = self.encode_target(values, task)
        train, val, test = self.split(len(frame), y if task == "classification" else None)
        encoder = TableEncoder(types, self.source).fit(frame.iloc[train])
        self.task_, self.encoder = task, encoder
        self.y_raw = y
        self.y_mean, self.y_std = 0.0, 1.0
        if task == "regression" and self.scale_target:
            self.y_mean, self.y_std = float(y[train].mean()), float(y[train].std() or 1.0)
        sets = [self.make_set(frame.iloc[idx], y[idx]) for idx in (train, val, test)]
        self.train_set, self.val_set, self.test_set = sets
        self.splits = {"train": train, "val": val, "test": test}
        self._spec = self.describe(task, encoder, class_names, y[train])

    def load_target(self) -> tuple[pd.DataFrame, str]:
        """The rows that have a target, and the task (given or inferred); one sentence when
        the target is missing or holds a single value."""
        frame = self.load_frame()
        if not self.target:
            raise ConfigError(f"data.target is not set; name the column of {self.source} to learn.")
        require_columns(frame, [self.target], self.source, "data.target")
        missing = frame[self.target].isna()
        if missing.any():
            log.warning("Dropping %d rows of %s with no target.", missing.sum(), self.source)
            frame = frame[~missing].reset_index(drop=True)
        values = frame[self.target]
        if values.nunique() < 2:
            held = f"only the value {values.iloc[0]!r}" if len(values) else "no values"
            raise DataError(
                f"the target column {self.target!r} of {self.source} holds {held}; "
                "there is nothing to learn."
            )
        return frame, self.task or infer_task(values, self.max_classes)

    def encode_target(self, values: pd.Series, task: str) -> tuple[np.ndarray, tuple[str, ...]]:
        if task == "regression":
            return as_numbers(values, self.source).to_numpy(dtype=np.float64), ()
        classes = sorted(values.unique(), key=lambda v: (str(type(v)), v))
        index = {v: i for i, v in enumerate(classes)}
        return values.map(index).to_numpy(dtype=np.int64), tuple(str(c) for c in classes)

    def split(self, n: int, labels: np.ndarray | None) -> tuple[np.ndarray, ...]:
        """Test share first, then the val share of the rest; stratified when there are labels
        and every class has enough rows. In cross-validation, the fold's share of the pool."""
        if self.fold is not None:
            pool, test = self.pool_and_test(n, labels)
            return np.sort(pool[self.fold[0]]), np.sort(pool[self.fold[1]]), np.sort(test)
        try:
            rest, test = self.test_split(n, labels)
            train, val = train_test_split(
                rest,
                test_size=self.val_size / (1 - self.test_size),
                random_state=self.split_seed,
                stratify=None if labels is None else labels[rest],
            )
        except ValueError as exc:
            if labels is None:  # sklearn's reason is several sentences; the count says it
                raise DataError(
                    f"{self.source} has {n} rows with a target, too few to split into train, "
                    f"val and test (data.test_size={self.test_size}, "
                    f"data.val_size={self.val_size})."
                ) from None
            log.warning("Stratified split impossible (%s); splitting at random.", exc)
            return self.split(n, None)
        return np.sort(train), np.sort(val), np.sort(test)

    def test_split(self, n: int, labels: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """The rows left for train and val (in a fixed order), and the test rows; sklearn's
        ValueError when a stratified split is impossible."""
        rest, test = train_test_split(
            np.arange(n), test_size=self.test_size, random_state=self.split_seed, stratify=labels
        )
        return rest, test

    def pool_and_test(self, n: int, labels: np.ndarray | None) -> tuple[np.ndarray, ...]:
        """The rows cross-validation resplits (in a fixed order) and the fixed test rows: the
        same test share as the normal split."""
        try:
            return self.test_split(n, labels)
        except ValueError:
            if labels is None:
                raise DataError(
                    f"{self.source} has {n} rows with a target, too few to hold out "
                    f"data.test_size={self.test_size} for testing."
                ) from None
            return self.pool_and_test(n, None)

    def cv_pool(self, group: str | None = None) -> CVPool:
        """The rows outside the test split, by class (classification) and by the values of
        the column `group` when given."""
        frame, task = self.load_target()
        y, _ = self.encode_target(frame[self.target], task)
        labels = y if task == "classification" else None
        pool, _ = self.pool_and_test(len(frame), labels)
        groups = None
        if group is not None:
            require_columns(frame, [group], self.source, "cv.group")
            groups = frame[group].to_numpy()[pool]
        return CVPool(
            size=len(pool), labels=None if labels is None else labels[pool], groups=groups
        )

    def make_set(self, rows: pd.DataFrame, y: np.ndarray) -> TensorBatches:
        x_num, x_cat = self.encoder.transform(rows)
        if self.task_ == "classification":
            return TensorBatches(x_num, x_cat, torch.tensor(y))
        scaled = (y - self.y_mean) / self.y_std
        return TensorBatches(x_num, x_cat, torch.tensor(scaled, dtype=torch.float32)[:, None])

    def describe(
        self, task: str, encoder: TableEncoder, class_names: tuple[str, ...], y: np.ndarray
    ) -> DataSpec:
        extra: dict[str, Any] = {
            "task": task,
            "numeric_columns": encoder.numeric_names,
            "categorical_columns": list(encoder.types.categorical),
            "target_column": self.target,
            "encoder": encoder.state(),  # predict.py encodes new rows with it
        }
        common = {
            "input_kind": "table",
            "input_shape": (len(encoder.numeric_names),),
            "categories": encoder.categories,
        }
        if task == "classification":
            counts = np.bincount(y, minlength=len(class_names))
            return DataSpec(
                **common,
                target="class",
                num_classes=len(class_names),
                class_names=class_names,
                class_counts=tuple(int(c) for c in counts),
                extra=extra,
            )
        extra.update(target_mean=[self.y_mean], target_std=[self.y_std])
        return DataSpec(**common, target="value", target_shape=(1,), extra=extra)

    # ------------------------------------------------------------------ loaders
    @property
    def drop_last_train(self) -> bool:
        # batch norm cannot train on a final batch of one row
        return len(self.train_set) % self.device_batch_size == 1

    # ------------------------------------------------------------------ baselines
    def baselines(self) -> dict[str, dict[str, float]]:
        """Linear model and gradient boosting on the same split and encoding, test scores."""

        def arrays(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            x_num, x_cat, _ = getattr(self, f"{name}_set").tensors
            return x_num.numpy(), x_cat.numpy(), self.y_raw[self.splits[name]]

        return table_baselines(
            self.task_, arrays("train"), arrays("test"), self.encoder.categories, self.split_seed
        )
