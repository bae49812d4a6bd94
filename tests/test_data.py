"""Datamodules: layouts, splits, the fast path, the description they give, and bad files."""

from __future__ import annotations

import pytest
import torch

from litlab.data import CIFAR10DataModule, CIFAR100DataModule, DigitsDataModule, MNISTDataModule
from litlab.data.augment import Augment
from litlab.errors import DataError
from tests.fakes import write_cifar, write_idx, write_mnist


def test_digits_describes_itself_and_splits_reproducibly():
    first, second = DigitsDataModule(), DigitsDataModule()
    first.setup("fit")
    second.setup("fit")
    spec = first.spec
    assert (spec.input_kind, spec.input_shape, spec.target, spec.num_classes) == (
        "image",
        (1, 8, 8),
        "class",
        10,
    )
    assert sum(spec.class_counts) == len(first.train_set)
    assert torch.equal(first.val_set.tensors[1], second.val_set.tensors[1])
    first.setup("test")
    assert len(first.train_set) + len(first.val_set) + len(first.test_set) == 1797


def test_normalisation_comes_from_the_training_split(tmp_path):
    dm = MNISTDataModule(data_dir=str(write_mnist(tmp_path)))
    dm.setup("fit")
    train = dm.train_set.tensors[0].float() / 255
    assert dm.spec.mean[0] == pytest.approx(train.mean().item(), abs=1e-5)
    assert dm.spec.std[0] == pytest.approx(train.std().item(), abs=1e-4)


def test_real_mnist_is_read_from_the_standard_layout(mnist_dir):
    dm = MNISTDataModule(data_dir=str(mnist_dir))
    dm.setup("test")
    assert len(dm.train_set) + len(dm.val_set) == 8000
    assert len(dm.test_set) == 2000
    assert dm.spec.input_shape == (1, 28, 28)
    assert set(dm.test_set.tensors[1].tolist()) == set(range(10))


@pytest.mark.parametrize(("cls", "classes"), [(CIFAR10DataModule, 10), (CIFAR100DataModule, 100)])
def test_cifar_reads_its_pickles(tmp_path, cls, classes):
    dm = cls(data_dir=str(write_cifar(tmp_path, classes=classes)))
    dm.setup("test")
    assert dm.spec.input_shape == (3, 32, 32)
    assert dm.spec.num_classes == classes
    assert dm.spec.class_names[:2] == ("c0", "c1")
    assert len(dm.train_set) + len(dm.val_set) == 200
    assert len(dm.test_set) == 40


def test_missing_mnist_offline_names_the_folder_and_files(tmp_path, monkeypatch):
    import torchvision.datasets

    def offline(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(torchvision.datasets, "MNIST", offline)
    dm = MNISTDataModule(data_dir=str(tmp_path))
    with pytest.raises(DataError, match=r"MNIST is not in .*MNIST/raw.*train-images-idx3-ubyte"):
        dm.prepare_data()


def test_truncated_mnist_file_is_called_corrupt(tmp_path):
    write_mnist(tmp_path)
    images = tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-100])
    with pytest.raises(DataError, match="truncated or corrupt"):
        MNISTDataModule(data_dir=str(tmp_path)).setup("fit")


def test_label_file_that_does_not_match_the_images_is_rejected(tmp_path):
    write_mnist(tmp_path)
    write_idx(tmp_path / "MNIST" / "raw" / "train-labels-idx1-ubyte", torch.zeros(3).numpy())
    with pytest.raises(DataError, match=r"256 images but .* 3 labels"):
        MNISTDataModule(data_dir=str(tmp_path)).setup("fit")


def test_corrupt_cifar_pickle_is_reported(tmp_path):
    write_cifar(tmp_path)
    (tmp_path / "cifar-10-batches-py" / "data_batch_3").write_bytes(b"not a pickle")
    with pytest.raises(DataError, match="data_batch_3 cannot be read"):
        CIFAR10DataModule(data_dir=str(tmp_path)).setup("fit")


def test_loader_serves_whole_batches_of_the_global_size():
    dm = DigitsDataModule(batch_size=50)
    dm.setup("fit")
    x, y = next(iter(dm.train_dataloader()))
    assert x.shape == (50, 1, 8, 8) and x.dtype == torch.uint8
    assert y.shape == (50,)


def test_augmentation_keeps_shape_and_changes_pixels():
    torch.manual_seed(0)
    x = torch.rand(16, 3, 32, 32)
    out = Augment(flip=True, translate=0.125, degrees=10, scale=(0.9, 1.1))(x)
    assert out.shape == x.shape
    assert not torch.allclose(out, x)


def test_shift_is_a_whole_pixel_crop_of_the_padded_image():
    torch.manual_seed(0)
    x = torch.arange(64.0).view(1, 1, 8, 8).repeat(4, 1, 1, 1)
    out = Augment(translate=0.125)(x)
    for image in out:
        kept = image[image > 0]
        assert set(kept.tolist()) <= set(range(64))  # values moved, never interpolated
