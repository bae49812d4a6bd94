"""The small classifier whose features give litlab's offline FID (and the accuracy of
class-conditional samples).

`load_or_train` returns a `litlab.models.Classifier` (CNN net) for the datamodule's data:
- from `checkpoint` when given (any `python train.py model=classifier` checkpoint of the same
  data, e.g. `outputs/.../checkpoints/epoch_004.ckpt`);
- else from `cache` if a previous call left it there (the run folder by default);
- else trained now on the datamodule's training split for `steps` Adam steps, on
  un-augmented images whatever `data.augment` says (its features
  describe the images the GAN learns to imitate, and un-augmented training keeps the cached
  file independent of augmentation settings), and saved to `cache`, in Lightning's checkpoint
  layout so `Classifier.load_from_checkpoint(cache, weights_only=True)` reads it back.
Under DDP only rank zero trains; the other ranks wait and read the cached file.
"""

from __future__ import annotations

import itertools
import logging
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from torch import Tensor, nn

from litlab.data.spec import DataSpec
from litlab.errors import ConfigError

log = logging.getLogger(__name__)

NET = {"_target_": "litlab.nets.CNN", "channels": [32, 64], "hidden": 128, "dropout": 0.25}
OPTIMIZER = {"_target_": "torch.optim.Adam", "_partial_": True, "lr": 1e-3}


def feature_extractor(classifier: nn.Module) -> nn.Module:
    """The classifier's last hidden layer (CNN: the activations before the final linear)."""
    net = classifier.net
    return nn.Sequential(net.features, net.head[:-1])


def train_classifier(datamodule: pl.LightningDataModule, spec: DataSpec, steps: int) -> nn.Module:
    """`steps` Adam steps on un-augmented training batches (see the module docstring)."""
    from litlab.models.classifier import Classifier

    classifier = Classifier(spec=spec.to_dict(), net=NET, optimizer=OPTIMIZER)
    optimizer = classifier.make_optimizer(OPTIMIZER, classifier.parameters())
    classifier.train()
    batches = itertools.cycle(datamodule.train_dataloader())
    for _ in range(steps):
        x, y = datamodule.prepare_batch(next(batches))
        loss, _, _ = classifier.shared_step((x, y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    classifier.eval()
    log.info(
        "FID feature classifier trained for %d steps: %.4f validation accuracy",
        steps,
        accuracy(classifier, datamodule),
    )
    return classifier


@torch.no_grad()
def accuracy(classifier: nn.Module, datamodule: pl.LightningDataModule) -> float:
    """Accuracy on the datamodule's validation split (how good the feature space is)."""
    right = total = 0
    for batch in datamodule.val_dataloader():
        x, y = datamodule.prepare_batch(batch)
        right += int((classifier(x).argmax(dim=1) == y).sum())
        total += len(y)
    return right / max(total, 1)


def save_classifier(classifier: nn.Module, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    checkpoint: dict[str, Any] = {
        "state_dict": classifier.state_dict(),
        "hyper_parameters": dict(classifier.hparams),
        "pytorch-lightning_version": pl.__version__,
    }
    torch.save(checkpoint, path)


def read_classifier(path: str | Path, spec: DataSpec) -> nn.Module:
    from litlab.models.classifier import Classifier

    if not Path(path).is_file():
        raise ConfigError(f"fid.classifier_ckpt={path} does not exist; give a .ckpt file or null.")
    classifier = Classifier.load_from_checkpoint(path, map_location="cpu", weights_only=True)
    if tuple(classifier.spec.input_shape) != tuple(spec.input_shape):
        raise ConfigError(
            f"fid.classifier_ckpt={path} was trained on inputs {classifier.spec.input_shape}; "
            f"this data gives {spec.input_shape}."
        )
    return classifier.eval()


def load_or_train(
    trainer: pl.Trainer,
    spec: DataSpec,
    checkpoint: str | None,
    cache: str | None,
    steps: int,
) -> nn.Module:
    """The feature classifier, frozen, on the CPU (see the module docstring)."""
    if checkpoint:
        classifier = read_classifier(checkpoint, spec)
    else:
        path = Path(cache or Path(trainer.default_root_dir) / "fid_classifier.ckpt")
        if trainer.is_global_zero and not path.is_file():
            with torch.random.fork_rng():
                torch.manual_seed(0)
                save_classifier(train_classifier(trainer.datamodule, spec, steps), path)
        trainer.strategy.barrier("fid_classifier")
        classifier = read_classifier(path, spec)
    classifier.requires_grad_(False)
    return classifier


@torch.no_grad()
def classify(classifier: nn.Module, images: Tensor) -> Tensor:
    """Predicted class of model-ready (normalised) images."""
    return classifier(images).argmax(dim=1)
