"""A time series from a CSV file, cut into (lookback window -> horizon) forecasting examples.

The rows (ordered by `time`, or kept in file order) are split chronologically into train, val
and test segments; windows are cut inside each segment, so none crosses a boundary, and the
scaling is fitted on the train segment only. Gap rule (`fill`): `interpolate` fills interior
gaps linearly in row order and drops leading/trailing rows with gaps; `drop` drops every row
with a gap; `none` leaves them, and any gap left stops the run.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd
import torch

from litlab.data.base import LitDataModule, TensorBatches
from litlab.data.folds import CVPool, Foldable
from litlab.data.forecast_baselines import forecast_scores, linear_ar, persistence, seasonal_naive
from litlab.data.frames import as_numbers, read_csv, require_columns, resolve_csv
from litlab.data.spec import DataSpec
from litlab.data.windows import make_windows
from litlab.errors import ConfigError, DataError

log = logging.getLogger(__name__)
FILLS = ("interpolate", "drop", "none")
STAGES = ("train", "val", "test")


def to_time(value: Any) -> pd.Timestamp:
    """One value as a time stamp, NaT when it is none."""
    try:
        return pd.to_datetime(value)
    except (ValueError, TypeError):
        return pd.NaT


class TimeSeriesDataModule(Foldable, LitDataModule):
    """Batches `(x, y)`: x (N, lookback, F) with the target as feature 0 followed by `inputs`,
    y (N, horizon), both standardised with train-segment statistics (the spec's `extra` holds
    the target's `target_mean`/`target_std` so models report errors in original units)."""

    def __init__(
        self,
        path: str | None = None,
        target: str | None = None,
        time: str | None = None,
        inputs: list[str] | None = None,
        lookback: int = 24,
        horizon: int = 1,
        stride: int = 1,
        test_size: float = 0.2,
        val_size: float = 0.1,
        season: int | None = None,
        fill: str = "interpolate",
        data_dir: str = "data",
        batch_size: int = 64,
        num_workers: int = 0,
        pin_memory: bool = False,
        split_seed: int = 0,
    ) -> None:
        super().__init__(data_dir, batch_size, num_workers, pin_memory, split_seed)
        for name, value in (("lookback", lookback), ("horizon", horizon), ("stride", stride)):
            if int(value) < 1:
                raise ConfigError(f"data.{name} must be a positive number of rows, got {value}")
        if fill not in FILLS:
            raise ConfigError(f"data.fill must be one of {', '.join(FILLS)}, not {fill!r}")
        if not (0 < test_size < 1 and 0 < val_size < 1 and test_size + val_size < 1):
            raise ConfigError("data.test_size and data.val_size must be fractions summing below 1")
        self.path, self.target, self.time = path, target, time
        self.inputs = [c for c in (inputs or []) if c != target]
        self.lookback, self.horizon, self.stride = int(lookback), int(horizon), int(stride)
        self.test_size, self.val_size = test_size, val_size
        self.season, self.fill = season, fill
        self.sets: dict[str, TensorBatches] = {}
        self.source = str(path)

    def load_frame(self) -> pd.DataFrame:
        """The whole series, in any order; `self.source` names it in error messages."""
        path = resolve_csv(self.path, self.data_dir)
        self.source = str(path)
        return read_csv(path)

    # ------------------------------------------------------------------ setup
    def setup(self, stage: str | None = None) -> None:
        if self.sets:
            return
        frame = self.ordered(self.load_frame())
        values = self.clean(frame)
        if values[self.target].nunique() < 2:
            raise DataError(
                f"the target column {self.target!r} of {self.source} is constant; "
                "there is nothing to forecast."
            )
        self.times = values.index.to_numpy()
        array = values.to_numpy(dtype=np.float64)
        segments = self.segments(len(array))
        train = array[slice(*segments["train"])]
        self.mean, self.std = train.mean(axis=0), train.std(axis=0)
        self.std = np.where(self.std > 1e-12, self.std, 1.0)
        scaled = (array - self.mean) / self.std
        self.windows: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for name, (start, end) in segments.items():
            x, y, rows = make_windows(
                scaled[start:end], scaled[start:end, 0], self.lookback, self.horizon, self.stride
            )
            self.windows[name] = (x, y, rows + start)
            self.sets[name] = TensorBatches(
                torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
            )
        self._spec = DataSpec(
            input_kind="sequence",
            input_shape=(self.lookback, array.shape[1]),
            target="value",
            target_shape=(self.horizon,),
            mean=tuple(float(m) for m in self.mean),
            std=tuple(float(s) for s in self.std),
            extra={
                "target_mean": [float(self.mean[0])],
                "target_std": [float(self.std[0])],
                "columns": [self.target, *self.inputs],
                "time": self.time,  # predict reads a series CSV as this datamodule does
                "fill": self.fill,
                "lookback": self.lookback,
                "horizon": self.horizon,
            },
        )

    def ordered(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows sorted by the time column (parsed as dates unless numeric), indexed by it."""
        if not self.target:
            raise ConfigError(f"data.target is not set; name the column of {self.source} to model.")
        require_columns(frame, [self.target], self.source, "data.target")
        require_columns(frame, self.inputs, self.source, "data.inputs")
        if self.time is None:
            return frame
        require_columns(frame, [self.time], self.source, "data.time")
        stamps = frame[self.time]
        if not pd.api.types.is_numeric_dtype(stamps):
            try:
                with warnings.catch_warnings():
                    # dates in no single format are parsed one by one (or rejected below);
                    # pandas' advice to pass a format is for programmers, not for a config
                    warnings.filterwarnings("ignore", "Could not infer format", UserWarning)
                    stamps = pd.to_datetime(stamps)
            except (ValueError, TypeError):
                # pandas' reason runs to several sentences; the first bad value says it all
                bad = next((v for v in stamps if pd.isna(to_time(v)) and not pd.isna(v)), None)
                why = "its values mix time zones or formats" if bad is None else f"{bad!r}"
                raise DataError(
                    f"column {self.time!r} of {self.source} is not a time or number ({why})."
                ) from None
        return frame.set_index(stamps).sort_index()

    def clean(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The numeric model columns with the gap rule applied."""
        columns = [self.target, *self.inputs]
        values = pd.DataFrame({c: as_numbers(frame[c], self.source) for c in columns})
        values = values.replace([np.inf, -np.inf], np.nan)
        if self.fill == "interpolate":
            values = values.interpolate(limit_area="inside").dropna()
        elif self.fill == "drop":
            values = values.dropna()
        gaps = values.isna().any()
        if gaps.any():
            raise DataError(
                f"column {gaps.idxmax()!r} of {self.source} has missing values left after "
                f"data.fill={self.fill}; use data.fill=interpolate or drop."
            )
        return values

    def boundaries(self, n: int) -> tuple[int, int, int]:
        """End rows of the train, val and test segments; each must hold one whole window."""
        window = self.lookback + self.horizon
        if window > n:
            raise DataError(
                f"a window of data.lookback + data.horizon = {window} rows is longer than the "
                f"{n}-row series {self.target!r} of {self.source}."
            )
        n_test, n_val = round(self.test_size * n), round(self.val_size * n)
        bounds = (n - n_val - n_test, n - n_test, n)
        for name, size in zip(STAGES, (bounds[0], n_val, n_test), strict=True):
            if size < window:
                raise DataError(
                    f"the {name} segment of {self.source} ({size} rows of {self.target!r}) is "
                    f"shorter than a window of data.lookback + data.horizon = {window} rows; "
                    "shorten the window or enlarge the segment."
                )
        return bounds

    def segments(self, n: int) -> dict[str, tuple[int, int]]:
        """(first, end) rows of the train, val and test segments: the normal chronological
        split, or in cross-validation the fold's train and val rows of the pool before the
        fixed test segment."""
        bounds = self.boundaries(n)
        if self.fold is None:
            return dict(zip(STAGES, zip((0, *bounds[:2]), bounds, strict=True), strict=True))
        window = self.lookback + self.horizon
        segments = {}
        for name, rows in zip(STAGES, self.fold, strict=False):
            if len(rows) < window:
                raise DataError(
                    f"a cross-validation {name} segment of {self.source} holds {len(rows)} "
                    f"rows, fewer than a window of data.lookback + data.horizon = {window}; "
                    "use fewer cv.folds or a shorter window."
                )
            segments[name] = (int(rows.min()), int(rows.max()) + 1)
        segments["test"] = (bounds[1], bounds[2])
        return segments

    def cv_pool(self, group: str | None = None) -> CVPool:
        """The rows before the test segment, in time order (forward-chaining folds only)."""
        self.no_groups(group)
        values = self.clean(self.ordered(self.load_frame()))
        return CVPool(size=self.boundaries(len(values))[1], ordered=True)

    # ------------------------------------------------------------------ loaders
    def split_set(self, split: str) -> TensorBatches:
        return self.sets[split]

    # ------------------------------------------------------------------ baselines
    def unscale(self, y: np.ndarray) -> np.ndarray:
        return y * self.std[0] + self.mean[0]

    def baseline_forecasts(self, stage: str = "test") -> dict[str, np.ndarray]:
        """Each baseline's forecasts (N, horizon) for `stage`'s windows, in original units."""
        x, _, _ = self.windows[stage]
        x_train, y_train, _ = self.windows["train"]
        forecasts = {
            "persistence": persistence(x[:, :, 0], self.horizon),
            "linear_ar": linear_ar(x_train, y_train, x),
        }
        if self.season:
            seasonal = seasonal_naive(x[:, :, 0], self.horizon, int(self.season))
            if seasonal is None:
                log.warning("No seasonal naive baseline: data.lookback < data.season.")
            else:
                forecasts["seasonal_naive"] = seasonal
        return {name: self.unscale(pred) for name, pred in forecasts.items()}

    def actuals(self, stage: str = "test") -> tuple[np.ndarray, np.ndarray]:
        """Targets (N, horizon) in original units and the time of each window's first target."""
        _, y, rows = self.windows[stage]
        return self.unscale(y), self.times[rows]

    def baselines(self) -> dict[str, dict[str, Any]]:
        y, _ = self.actuals("test")
        return {name: forecast_scores(p, y) for name, p in self.baseline_forecasts().items()}
