"""Real series shipped with statsmodels (no download): yearly sunspots and weekly Mauna Loa CO2."""

from __future__ import annotations

import pandas as pd
from statsmodels import datasets

from litlab.data.timeseries import TimeSeriesDataModule
from litlab.errors import ConfigError


def sunspots() -> pd.DataFrame:
    """Yearly mean sunspot number, 1700-2008 (309 rows): columns YEAR, SUNACTIVITY."""
    return datasets.sunspots.load_pandas().data


def co2() -> pd.DataFrame:
    """Weekly atmospheric CO2 at Mauna Loa, 1958-2001 (2,284 weeks, 59 of them missing):
    columns date, co2."""
    frame = datasets.co2.load_pandas().data
    return frame.rename_axis("date").reset_index()


LOADERS = {"sunspots": sunspots, "co2": co2}


class BundledSeriesDataModule(TimeSeriesDataModule):
    """A statsmodels series; everything else works as for a CSV file."""

    def __init__(self, dataset: str = "sunspots", **kwargs) -> None:
        if dataset not in LOADERS:
            raise ConfigError(f"data.dataset must be one of {', '.join(LOADERS)}, not {dataset!r}")
        super().__init__(**kwargs)
        self.dataset = dataset
        self.source = f"statsmodels' {dataset} dataset"

    def load_frame(self) -> pd.DataFrame:
        return LOADERS[self.dataset]()
