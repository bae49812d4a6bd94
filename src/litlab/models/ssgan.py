"""Semi-supervised GAN (Salimans et al., 2016): the discriminator is a K-class classifier whose
"fake" class is implicit, trained on a few labelled images per class plus every image unlabelled.

Only `labels_per_class` images per class keep their label: they are drawn once (seed
`labels_seed`) from the training split when fitting starts; the labels of training batches are
never read. The test reports `test/acc` (the discriminator as a classifier) and, beside it,
`test/acc_labelled_only`: the same net trained on the same labelled images alone, trained when
fitting starts and kept in the checkpoint, so the gain from unlabelled data is visible.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor
from torchmetrics.classification import MulticlassAccuracy

from litlab.errors import ConfigError
from litlab.models.gan import FAST_DEV_RUN_STEPS, GAN

log = logging.getLogger(__name__)


class SemiSupervisedGAN(GAN):
    """K real classes + an implicit fake class: p(real | x) = Z / (Z + 1), Z = sum_k exp(l_k).

    The discriminator loss is cross-entropy on a labelled batch plus the real/fake loss on the
    unlabelled batch and the samples; the generator uses feature matching (the mean of the
    discriminator's last features on real and generated batches), which works best for
    semi-supervised learning.
    """

    inputs = ("image",)
    targets = ("class",)
    discriminator_stats: ClassVar[tuple[str, ...]] = ("loss_supervised", "d_real", "d_fake")

    def __init__(
        self,
        spec: dict[str, Any],
        generator: dict[str, Any],
        discriminator: dict[str, Any],
        optimizer_g: dict[str, Any],
        optimizer_d: dict[str, Any],
        labels_per_class: int = 10,
        labels_seed: int = 0,
        labelled_batch_size: int = 64,
        baseline_steps: int = 500,
        monitor: str = "val/acc",
        mode: str = "max",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            spec, generator, discriminator, optimizer_g, optimizer_d,
            monitor=monitor, mode=mode, **kwargs,
        )  # fmt: skip
        self.save_hyperparameters()
        if kwargs.get("conditional"):
            raise ConfigError("model=ssgan is not conditional; drop model.conditional.")
        k = self.spec.num_classes
        # the same net trained on the labelled images alone (the baseline of test/acc)
        self.baseline = self.build_discriminator(discriminator, 0)
        self.register_buffer("baseline_trained", torch.tensor(False))
        self.register_buffer("labelled_x", torch.empty(0), persistent=False)
        self.register_buffer("labelled_y", torch.empty(0, dtype=torch.long), persistent=False)
        self.val_acc = MulticlassAccuracy(k, average="micro")
        self.test_acc = MulticlassAccuracy(k, average="micro")
        self.test_acc_labelled_only = MulticlassAccuracy(k, average="micro")

    def build_discriminator(self, config: dict[str, Any], classes: int) -> torch.nn.Module:
        return self.build_net(
            config, in_shape=self.spec.input_shape, out_features=self.spec.num_classes
        )

    # ------------------------------------------------------------------ the labelled images
    def setup(self, stage: str) -> None:
        super().setup(stage)
        if stage == "fit" and len(self.labelled_y) == 0:
            self.pick_labelled(self.trainer.datamodule)
            if not bool(self.baseline_trained):
                self.train_baseline()

    def pick_labelled(self, datamodule: Any) -> None:
        n, k = self.hparams.labels_per_class, self.spec.num_classes
        xs, ys = [], []
        counts = torch.zeros(k, dtype=torch.long)
        with torch.random.fork_rng():
            torch.manual_seed(self.hparams.labels_seed)
            for batch in datamodule.train_dataloader():
                x, y = datamodule.prepare_batch(batch, augment=False)  # the images as they are
                x = self.pixels.to_pixels(x) * 2 - 1  # kept in the discriminator's input range
                for xi, yi in zip(x, y, strict=True):
                    if counts[yi] < n:
                        xs.append(xi)
                        ys.append(yi)
                        counts[yi] += 1
                if counts.min() >= n:
                    break
        if counts.min() < n:
            raise ConfigError(
                f"model.labels_per_class={n} but the training split has only "
                f"{int(counts.min())} images of some class."
            )
        self.labelled_x = torch.stack(xs).to(self.device)
        self.labelled_y = torch.stack(ys).to(self.device)
        log.info("Semi-supervised GAN: %d labelled images (%d per class)", len(ys), n)

    def labelled_batch(self) -> tuple[Tensor, Tensor]:
        """A random batch of the labelled images, in [-1, 1]."""
        size = (self.hparams.labelled_batch_size,)
        index = torch.randint(len(self.labelled_y), size, device=self.labelled_y.device)
        return self.labelled_x[index], self.labelled_y[index]

    def train_baseline(self) -> None:
        """The same net, trained with cross-entropy on the labelled images only."""
        optimizer = self.make_optimizer(self.hparams.optimizer_d, self.baseline.parameters())
        self.baseline.train()
        steps = self.hparams.baseline_steps
        if self.trainer.fast_dev_run:
            steps = min(steps, FAST_DEV_RUN_STEPS)
        with torch.random.fork_rng(), torch.enable_grad():
            torch.manual_seed(self.hparams.labels_seed)
            for _ in range(steps):
                x, y = self.labelled_batch()
                loss = F.cross_entropy(self.baseline(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        self.baseline.requires_grad_(False)
        self.baseline_trained.fill_(True)
        log.info("Labelled-only baseline trained for %d steps", steps)

    # ------------------------------------------------------------------ losses
    def discriminator_loss(self, real: Tensor, fake: Tensor, y: Tensor | None) -> dict[str, Tensor]:
        x_lab, y_lab = self.labelled_batch()
        supervised = F.cross_entropy(self.discriminator(x_lab), y_lab)
        real_logit = self.discriminator(real).logsumexp(dim=1)  # log Z
        fake_logit = self.discriminator(fake).logsumexp(dim=1)
        # -log p(real | real) = softplus(-log Z); -log p(fake | fake) = softplus(log Z)
        unsupervised = F.softplus(-real_logit).mean() + F.softplus(fake_logit).mean()
        return {
            "loss": supervised + unsupervised,
            "loss_supervised": supervised,
            "d_real": real_logit.sigmoid().mean(),
            "d_fake": fake_logit.sigmoid().mean(),
        }

    def generator_loss(self, real: Tensor, fake: Tensor, y: Tensor | None) -> Tensor:
        """Feature matching: generated batches should match real ones in D's last features."""
        real_features = self.discriminator.features(real).detach().mean(dim=0)
        fake_features = self.discriminator.features(fake).mean(dim=0)
        return (real_features - fake_features).square().mean()

    # ------------------------------------------------------------------ the classifier view
    def classify(self, x: Tensor) -> Tensor:
        """Class predictions of the discriminator for model-ready inputs."""
        return self.discriminator(self.pixels.to_pixels(x) * 2 - 1).argmax(dim=1)

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        super().validation_step(batch, batch_idx)
        x, y = self.unpack(batch)
        self.val_acc(self.classify(x), y)
        self.log("val/acc", self.val_acc, on_epoch=True, prog_bar=True)

    def on_validation_epoch_end(self) -> None:
        super().on_validation_epoch_end()
        self.log_best("val/acc", self.val_acc.compute(), mode="max")

    def test_step(self, batch: Any, batch_idx: int) -> None:
        super().test_step(batch, batch_idx)
        x, y = self.unpack(batch)
        self.test_acc(self.classify(x), y)
        self.test_acc_labelled_only(
            self.baseline(self.pixels.to_pixels(x) * 2 - 1).argmax(dim=1), y
        )
        self.log("test/acc", self.test_acc, on_epoch=True)
        self.log("test/acc_labelled_only", self.test_acc_labelled_only, on_epoch=True)
