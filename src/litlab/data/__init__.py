"""LightningDataModules, one file per data family; each describes itself with a DataSpec."""

from litlab.data.base import LitDataModule
from litlab.data.cifar import CIFAR10DataModule, CIFAR100DataModule
from litlab.data.digits import DigitsDataModule
from litlab.data.mnist import MNISTDataModule
from litlab.data.mnist_detection import MNISTDetectionDataModule
from litlab.data.spec import DataSpec
from litlab.data.yolo_folder import YOLOFolderDataModule

__all__ = [
    "CIFAR10DataModule",
    "CIFAR100DataModule",
    "DataSpec",
    "DigitsDataModule",
    "LitDataModule",
    "MNISTDataModule",
    "MNISTDetectionDataModule",
    "YOLOFolderDataModule",
]
from litlab.data.bundled_tables import BundledTableDataModule
from litlab.data.tabular import TabularDataModule

__all__ += ["BundledTableDataModule", "TabularDataModule"]
from litlab.data.bundled_series import BundledSeriesDataModule  # noqa: E402
from litlab.data.timeseries import TimeSeriesDataModule  # noqa: E402

__all__ += ["BundledSeriesDataModule", "TimeSeriesDataModule"]
