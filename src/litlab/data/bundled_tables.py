"""Real tables shipped with scikit-learn (no download): wine, breast_cancer, diabetes."""

from __future__ import annotations

import pandas as pd
from sklearn import datasets

from litlab.data.tabular import TabularDataModule
from litlab.errors import ConfigError

LOADERS = {
    "wine": datasets.load_wine,  # 178 wines, 13 chemical measurements, 3 cultivars
    "breast_cancer": datasets.load_breast_cancer,  # 569 tumours, 30 features, benign/malignant
    "diabetes": datasets.load_diabetes,  # 442 patients, 10 features, disease progression
}


class BundledTableDataModule(TabularDataModule):
    """A scikit-learn dataset as a table whose target column is `target`; class labels are
    given their names (e.g. 'malignant'), everything else works as for a CSV file."""

    def __init__(self, dataset: str = "wine", **kwargs) -> None:
        if dataset not in LOADERS:
            raise ConfigError(f"data.dataset must be one of {', '.join(LOADERS)}, not {dataset!r}")
        super().__init__(target=kwargs.pop("target", "target"), **kwargs)
        self.dataset = dataset
        self.source = f"scikit-learn's {dataset} dataset"

    def load_frame(self) -> pd.DataFrame:
        options = {"scaled": False} if self.dataset == "diabetes" else {}
        bunch = LOADERS[self.dataset](as_frame=True, **options)
        frame = bunch.frame.copy()
        names = getattr(bunch, "target_names", None)
        if names is not None and self.dataset != "diabetes":
            frame["target"] = frame["target"].map(dict(enumerate(names)))
        return frame
