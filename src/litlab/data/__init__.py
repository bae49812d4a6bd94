"""LightningDataModules, one file per data family; each describes itself with a DataSpec.

Members are imported on first use (litlab.lazy), so each run loads only its own data family.
"""

from litlab.lazy import lazy_members

__getattr__, __dir__, __all__ = lazy_members(
    __name__,
    {
        "base": ["LitDataModule"],
        "bundled_series": ["BundledSeriesDataModule"],
        "bundled_tables": ["BundledTableDataModule"],
        "cifar": ["CIFAR10DataModule", "CIFAR100DataModule"],
        "coco_folder": ["COCOFolderDataModule"],
        "digits": ["DigitsDataModule"],
        "image_folder": ["ImageFolderDataModule"],
        "mnist": ["MNISTDataModule"],
        "mnist_detection": ["MNISTDetectionDataModule"],
        "spec": ["DataSpec"],
        "tabular": ["TabularDataModule"],
        "timeseries": ["TimeSeriesDataModule"],
        "yolo_folder": ["YOLOFolderDataModule"],
    },
)
