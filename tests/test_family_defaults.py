"""Each model family's config carries its measured defaults: whether its training batches are
augmented (classifiers yes, reconstruction and generative models no) and the recipe's settings,
so the plain `model=X data=mnist` command trains as the recipe does."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from omegaconf import OmegaConf

from litlab.builders import build_datamodule
from tests.conftest import compose_cfg
from tests.fakes import write_mnist

GENERATIVE = ["vae", "autoencoder", "denoiser", "inpainter", "gan", "cgan", "ssgan"]


@pytest.fixture
def fake_mnist(tmp_path: Path) -> Path:
    return write_mnist(tmp_path / "data", n_train=300, n_test=20)


def augments_training_batches(overrides: list[str], data_dir: Path, out_dir: Path) -> bool:
    """Whether the datamodule built from the composed config changes the pixels of its first
    two training batches when passing them through its training augmentation."""
    cfg = compose_cfg(["data=mnist", f"paths.data_dir={data_dir}", *overrides], out_dir)
    datamodule = build_datamodule(cfg)
    torch.manual_seed(0)
    changed = []
    for (images, _), _ in zip(datamodule.train_dataloader(), range(2), strict=False):
        pixels = images.float() / datamodule.max_value
        changed.append(not torch.equal(datamodule.augment(pixels), pixels))
    assert len(changed) == 2
    return any(changed)


@pytest.mark.parametrize("family", GENERATIVE)
def test_generative_families_train_on_the_images_as_they_are(
    family: str, fake_mnist: Path, tmp_path: Path
) -> None:
    assert not augments_training_batches([f"model={family}"], fake_mnist, tmp_path / "run")


def test_classifier_trains_on_augmented_mnist(fake_mnist: Path, tmp_path: Path) -> None:
    assert augments_training_batches([], fake_mnist, tmp_path / "plain")
    assert augments_training_batches(["model=classifier"], fake_mnist, tmp_path / "named")


def test_model_augment_forces_augmentation_either_way(fake_mnist: Path, tmp_path: Path) -> None:
    on, off = ["model=vae", "model.augment=true"], ["model=classifier", "model.augment=false"]
    assert augments_training_batches(on, fake_mnist, tmp_path / "on")
    assert not augments_training_batches(off, fake_mnist, tmp_path / "off")


def test_augmentation_choice_is_in_the_composed_config(tmp_path: Path) -> None:
    """`.hydra/config.yaml` records the family's choice; the resolved data config follows it."""
    vae = compose_cfg(["model=vae", "data=mnist"], tmp_path / "vae")
    classifier = compose_cfg(["data=mnist"], tmp_path / "classifier")
    assert vae.model.augment is False and vae.data.augment.enabled is False
    assert classifier.model.augment is True and classifier.data.augment.enabled is True
    # the policy itself is still described, ready for model.augment=true
    assert vae.data.augment.degrees == classifier.data.augment.degrees > 0


@pytest.mark.parametrize(
    ("command", "experiment"),
    [
        ("model=vae", "mnist_vae"),
        ("model=denoiser", "mnist_denoiser"),
        ("model=gan", "mnist_gan"),
    ],
)
def test_recipe_adds_only_dataset_and_budget_to_the_family_defaults(
    command: str, experiment: str, tmp_path: Path
) -> None:
    """The plain command trains the same model on the same batches as the MNIST recipe: the
    recipe differs only in epochs, tags and callbacks."""
    plain = compose_cfg([command, "data=mnist"], tmp_path)
    recipe = compose_cfg([f"experiment={experiment}"], tmp_path)
    for key in ("model", "data"):
        assert OmegaConf.to_container(plain[key], resolve=True) == OmegaConf.to_container(
            recipe[key], resolve=True
        ), key


def test_denoiser_defaults_are_the_recipe_unet(tmp_path: Path) -> None:
    cfg = compose_cfg(["model=denoiser", "data=mnist"], tmp_path / "a")
    assert cfg.model.net._target_ == "litlab.nets.UNet"
    assert list(cfg.model.net.channels) == [16, 32, 64] and cfg.model.loss == "bce"
    # a net chosen on the command line still wins over the family's U-Net
    other = compose_cfg(["model=denoiser", "model/net=conv_autoencoder"], tmp_path / "b")
    assert other.model.net._target_ == "litlab.nets.ConvAutoencoder"


def test_vae_batch_size_comes_from_the_family_and_the_command_line_wins(
    fake_mnist: Path, tmp_path: Path
) -> None:
    data_dir = f"paths.data_dir={fake_mnist}"
    vae = compose_cfg(["model=vae", "data=mnist", data_dir], tmp_path / "vae")
    assert vae.model.batch_size == 32 and build_datamodule(vae).batch_size == 32
    classifier = compose_cfg(["data=mnist", data_dir], tmp_path / "classifier")
    assert build_datamodule(classifier).batch_size == 128  # mnist's own
    chosen = ["model=vae", "data=mnist", data_dir, "data.batch_size=100"]
    assert build_datamodule(compose_cfg(chosen, tmp_path / "chosen")).batch_size == 100
