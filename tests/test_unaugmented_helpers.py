"""Helpers that read the image data themselves (the SSGAN's labelled images, the FID feature
classifier) get the images as they are, even while `trainer.training` is true (as it is while
`setup()` runs under `fit`) and augmentation is configured."""

from __future__ import annotations

import dataclasses

import pytorch_lightning as pl
import torch
from omegaconf import OmegaConf

from litlab.data import DigitsDataModule
from litlab.data.augment import Augment
from litlab.models import SemiSupervisedGAN, feature_classifier
from litlab.models.classifier import Classifier
from tests.conftest import compose_cfg


def augmenting_digits() -> DigitsDataModule:
    """Digits with strong augmentation, attached to a trainer that says it is training."""
    options = {"flip": True, "translate": 0.25}
    if "enabled" in {f.name for f in dataclasses.fields(Augment)}:
        options["enabled"] = True
    dm = DigitsDataModule(augment=options, batch_size=64)
    dm.setup("fit")
    trainer = pl.Trainer(accelerator="cpu", logger=False, enable_progress_bar=False)
    trainer.training = True  # the state during setup() under fit, and in the training loop
    dm.trainer = trainer
    batch = next(iter(dm.train_dataloader()))
    augmented, _ = dm.on_after_batch_transfer(batch, 0)
    assert not torch.equal(augmented, dm.prepare_batch(batch)[0])  # the training loop augments
    return dm


def plain_images(dm: DigitsDataModule, split: str) -> torch.Tensor:
    """Every image of a split, model-ready and un-augmented, as rows."""
    images, labels = getattr(dm, f"{split}_set").tensors
    return dm.prepare_batch((images, labels))[0].flatten(1)


def all_among(rows: torch.Tensor, reference: torch.Tensor) -> bool:
    distances = torch.cdist(rows.flatten(1).double(), reference.double())
    return bool((distances.min(dim=1).values < 1e-4).all())


def test_ssgan_stores_its_labelled_images_unaugmented(tmp_path):
    dm = augmenting_digits()
    cfg = OmegaConf.to_container(compose_cfg(["model=ssgan"], tmp_path).model, resolve=False)
    nets = {k: cfg[k] for k in ("generator", "discriminator", "optimizer_g", "optimizer_d")}
    model = SemiSupervisedGAN(dm.spec.to_dict(), **nets, labels_per_class=5)
    model.pick_labelled(dm)
    assert model.labelled_x.shape == (50, 1, 8, 8)
    stored = model.pixels.from_pixels((model.labelled_x + 1) / 2)  # back to what the data served
    assert all_among(stored, plain_images(dm, "train"))


def test_feature_classifier_trains_and_is_measured_on_unaugmented_images(monkeypatch):
    dm = augmenting_digits()
    seen: list[torch.Tensor] = []
    shared_step = Classifier.shared_step

    def recording(self, batch):
        seen.append(batch[0].detach().clone())
        return shared_step(self, batch)

    monkeypatch.setattr(Classifier, "shared_step", recording)
    feature_classifier.train_classifier(dm, dm.spec, steps=3)
    assert len(seen) == 3
    assert all_among(torch.cat(seen), plain_images(dm, "train"))

    class Recorder(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            seen.append(x.clone())
            return torch.zeros(len(x), 10)

    seen.clear()
    feature_classifier.accuracy(Recorder(), dm)
    assert torch.equal(torch.cat(seen).flatten(1), plain_images(dm, "val"))
