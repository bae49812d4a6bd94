"""GAN with alternating optimizers (Lightning manual optimization), optionally class-conditional.

Notes that matter (see docs/gan.md):
- Step counting: the generator step goes through Lightning's optimizer wrapper and counts as a
  trainer step; the discriminator step goes through the strategy's `optimizer_step` directly
  (same precision plugin and hooks), which is not counted. So `trainer.global_step` and
  `trainer.max_steps` count generator steps.
- Gradient clipping: Lightning refuses `trainer.gradient_clip_val` with manual optimization.
  The model's own `gradient_clip_val` is used for both nets; `adapt_config` moves a
  `trainer.gradient_clip_val=...` given by the user there, with a log line. Clipping happens
  in `on_before_optimizer_step`, which both steps reach through the precision plugin after it
  has unscaled the gradients under `16-mixed` (clipping in `training_step` would clip the
  loss-scaled gradients, i.e. to `clip / scale` in true units).
- DDP: each backward touches one of the two nets, so plain `ddp` becomes
  `ddp_find_unused_parameters_true` (`adapt_config`, with a log line).
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from omegaconf import DictConfig, open_dict
from torch import Tensor
from torchmetrics.classification import MulticlassAccuracy

from litlab.errors import ConfigError, IncompatibleError
from litlab.metrics.fid import compute_fid, offline_fid
from litlab.metrics.running import RunningMean
from litlab.models.base import LitModule
from litlab.models.feature_classifier import feature_extractor, load_or_train
from litlab.models.pixels import PixelScale

log = logging.getLogger(__name__)

# helper nets (FID features, SSGAN baseline) train this many steps under fast_dev_run
FAST_DEV_RUN_STEPS = 2
FID_DEFAULTS = {"classifier_ckpt": None, "cache": None, "classifier_steps": 200}


class GAN(LitModule):
    """DCGAN-style GAN with the non-saturating loss.

    Logs `train/loss_g`, `train/loss_d`, `train/d_real` and `train/d_fake` (mean D(x) and
    D(G(z)) as probabilities), `{val,test}/fid` (offline FID, see `litlab.metrics.fid`) and,
    when conditional, `{val,test}/gen_acc` (the feature classifier's accuracy on samples of
    a given label). `sample(n, labels, generator)` returns images in [0, 1].
    """

    inputs = ("image",)
    targets = ("class", "none")
    ddp_strategy: ClassVar[str] = "ddp_find_unused_parameters_true"
    # what `discriminator_loss` returns beside its loss, logged as train/<name> epoch means
    discriminator_stats: ClassVar[tuple[str, ...]] = ("d_real", "d_fake")

    def __init__(
        self,
        spec: dict[str, Any],
        generator: dict[str, Any],
        discriminator: dict[str, Any],
        optimizer_g: dict[str, Any],
        optimizer_d: dict[str, Any],
        scheduler: dict[str, Any] | None = None,
        latent_dim: int = 64,
        conditional: bool = False,
        gradient_clip_val: float | None = None,
        gradient_clip_algorithm: str = "norm",
        fid: dict[str, Any] | None = None,
        monitor: str = "val/fid",
        mode: str = "min",
    ) -> None:
        super().__init__(spec, optimizer_g, scheduler, monitor, mode)
        self.save_hyperparameters()
        self.automatic_optimization = False
        self.conditional = conditional
        if conditional and self.spec.target != "class":
            raise IncompatibleError(
                "model.conditional=true needs class labels; "
                f"this data gives {self.spec.describe()}."
            )
        classes = self.spec.num_classes if conditional else 0
        self.generator = self.build_net(
            generator, out_shape=self.spec.input_shape, latent_dim=latent_dim, num_classes=classes
        )
        self.discriminator = self.build_discriminator(discriminator, classes)
        self.pixels = PixelScale(self.spec)
        self.fid_options = {**FID_DEFAULTS, **(fid or {})}
        self.feature_classifier = None
        self.val_fid = self.test_fid = None  # built in setup, around the feature classifier
        self.val_real_fed = False  # the validation images' FID statistics are in val_fid
        if conditional:
            k = self.spec.num_classes
            self.val_gen_acc = MulticlassAccuracy(k, average="micro")
            self.test_gen_acc = MulticlassAccuracy(k, average="micro")
        names = ("loss_g", "loss_d", *self.discriminator_stats)
        self.train_means = torch.nn.ModuleDict({name: RunningMean() for name in names})

    def build_discriminator(self, config: dict[str, Any], classes: int) -> torch.nn.Module:
        return self.build_net(config, in_shape=self.spec.input_shape, num_classes=classes)

    # ------------------------------------------------------------------ run config
    @classmethod
    def adapt_config(cls, cfg: DictConfig) -> None:
        """Make the trainer settings work with two manually stepped optimizers."""
        trainer = cfg.trainer
        with open_dict(cfg):
            if trainer.get("strategy") == "ddp":
                log.info(
                    "GAN under DDP: strategy=%s (each backward uses one net)", cls.ddp_strategy
                )
                trainer.strategy = cls.ddp_strategy
            if trainer.get("gradient_clip_val"):
                if cfg.model.get("gradient_clip_val") is None:
                    cfg.model.gradient_clip_val = trainer.gradient_clip_val
                    algorithm = trainer.get("gradient_clip_algorithm") or "norm"
                    cfg.model.gradient_clip_algorithm = algorithm
                log.info(
                    "GAN: gradient clipping is done by the model (model.gradient_clip_val=%s)",
                    cfg.model.gradient_clip_val,
                )
                trainer.gradient_clip_val = None
            if (trainer.get("accumulate_grad_batches") or 1) != 1:
                raise ConfigError(
                    "model=gan steps its optimizers by hand; "
                    "trainer.accumulate_grad_batches must be 1."
                )

    # ------------------------------------------------------------------ sampling
    def noise(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        return torch.randn(n, self.hparams.latent_dim, device=self.device, generator=generator)

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        """Noise -> images in [-1, 1]."""
        return self.generator(z, labels if self.conditional else None)

    def default_labels(self, n: int) -> Tensor:
        return torch.arange(n, device=self.device) % self.spec.num_classes

    @torch.no_grad()
    def sample(
        self, n: int, labels: Tensor | None = None, generator: torch.Generator | None = None
    ) -> Tensor:
        """`n` images (n, C, H, W) in [0, 1]; conditional models default to labels 0, 1, 2...
        The noise comes from `generator` (on this model's device) when given, else from the
        global random state."""
        if labels is not None and not self.conditional:
            raise ValueError("this GAN is not conditional; call sample(n) without labels")
        if self.conditional:
            labels = self.default_labels(n) if labels is None else labels.to(self.device)
        was_training = self.generator.training
        self.generator.eval()
        images = (self(self.noise(n, generator), labels) + 1) / 2
        self.generator.train(was_training)
        return images.clamp(0, 1)

    @staticmethod
    def unpack(batch: Any) -> tuple[Tensor, Tensor | None]:
        if isinstance(batch, list | tuple):
            return batch[0], batch[1] if len(batch) > 1 else None
        return batch, None

    # ------------------------------------------------------------------ losses
    def discriminator_loss(self, real: Tensor, fake: Tensor, y: Tensor | None) -> dict[str, Tensor]:
        """Binary cross-entropy: real -> 1, generated -> 0."""
        labels = y if self.conditional else None
        d_real = self.discriminator(real, labels)
        d_fake = self.discriminator(fake, labels)
        loss = F.binary_cross_entropy_with_logits(
            d_real, torch.ones_like(d_real)
        ) + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
        return {"loss": loss, "d_real": d_real.sigmoid().mean(), "d_fake": d_fake.sigmoid().mean()}

    def generator_loss(self, real: Tensor, fake: Tensor, y: Tensor | None) -> Tensor:
        """Non-saturating: maximise log D(G(z)) rather than minimise log(1 - D(G(z)))."""
        d_fake = self.discriminator(fake, y if self.conditional else None)
        return F.binary_cross_entropy_with_logits(d_fake, torch.ones_like(d_fake))

    # ------------------------------------------------------------------ training
    def training_step(self, batch: Any, batch_idx: int) -> dict[str, Tensor]:
        x, y = self.unpack(batch)
        real = self.pixels.to_pixels(x) * 2 - 1
        opt_g, opt_d = self.optimizers()
        fake = self(self.noise(len(real)), y)

        self.toggle_optimizer(opt_d)
        d = self.discriminator_loss(real, fake.detach(), y)
        self.manual_backward(d["loss"])
        # not counted as a trainer step: trainer.global_step / max_steps count generator steps
        self.trainer.strategy.optimizer_step(opt_d.optimizer, closure=lambda: None)
        opt_d.zero_grad()
        self.untoggle_optimizer(opt_d)

        self.toggle_optimizer(opt_g)
        loss_g = self.generator_loss(real, fake, y)
        self.manual_backward(loss_g)
        opt_g.step()
        opt_g.zero_grad()
        self.untoggle_optimizer(opt_g)

        self.step_schedulers("step")
        # epoch means accumulate per step (LitModule.log_step_values says why)
        values = {"loss_g": loss_g, "loss_d": d["loss"]}
        values.update({name: d[name] for name in self.discriminator_stats})
        for name, value in values.items():
            self.train_means[name].update(value.detach())
        self.log_step_values({"train/loss_g_step": loss_g, "train/loss_d_step": d["loss"]})
        # returned so callbacks (FiniteLoss) can check every loss
        return {"loss_g": loss_g.detach(), "loss_d": d["loss"].detach()}

    def on_before_optimizer_step(self, optimizer: Any) -> None:
        # both optimizer steps pass here, after AMP's GradScaler has unscaled the gradients
        self.clip(optimizer)

    def clip(self, optimizer: Any) -> None:
        if self.hparams.gradient_clip_val:
            self.clip_gradients(
                optimizer,
                gradient_clip_val=self.hparams.gradient_clip_val,
                gradient_clip_algorithm=self.hparams.gradient_clip_algorithm,
            )

    def configure_optimizers(self) -> Any:
        opt_g = self.make_optimizer(self.hparams.optimizer_g, self.generator.parameters())
        opt_d = self.make_optimizer(self.hparams.optimizer_d, self.discriminator.parameters())
        if not self.hparams.scheduler:
            return [opt_g, opt_d]
        return [opt_g, opt_d], [self.make_scheduler(opt_g), self.make_scheduler(opt_d)]

    def step_schedulers(self, interval: str) -> None:
        """Manual optimization: Lightning does not step schedulers, so each is stepped here."""
        scheduler = self.hparams.scheduler
        if not scheduler or scheduler.get("interval", "epoch") != interval:
            return
        schedulers = self.lr_schedulers()
        for sched in schedulers if isinstance(schedulers, list) else [schedulers]:
            if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
                value = self.trainer.callback_metrics.get(scheduler.get("monitor", self.monitor))
                if value is not None:
                    sched.step(value)
            else:
                sched.step()

    def on_train_epoch_end(self) -> None:
        for name, mean in self.train_means.items():
            self.log(f"train/{name}", mean, prog_bar=name.startswith("loss_"))
        self.step_schedulers("epoch")

    # ------------------------------------------------------------------ offline FID
    def setup(self, stage: str) -> None:
        if self.feature_classifier is None and self.trainer is not None:
            if self.trainer.datamodule is None:
                raise ConfigError("model=gan needs a datamodule (its train split trains the FID).")
            steps, cache = int(self.fid_options["classifier_steps"]), self.fid_options["cache"]
            if self.trainer.fast_dev_run:  # a smoke test: a throwaway classifier, never cached
                steps, cache = min(steps, FAST_DEV_RUN_STEPS), None
            classifier = load_or_train(
                self.trainer, self.spec, self.fid_options["classifier_ckpt"], cache, steps
            )
            # a plain attribute, not a submodule: it never enters checkpoints or optimizers
            object.__setattr__(self, "feature_classifier", classifier)
            features, width = feature_extractor(classifier), classifier.net.head[-1].in_features
            # validation images are the same every epoch: their statistics are kept
            self.val_fid = offline_fid(features, width, keep_real=True)
            self.test_fid = offline_fid(features, width, keep_real=False)

    def on_validation_start(self) -> None:
        self.feature_classifier.to(self.device)

    def on_test_start(self) -> None:
        self.feature_classifier.to(self.device)

    def evaluation_step(self, batch: Any, batch_idx: int, stage: str) -> None:
        """Real images (validation: only until their statistics are kept) and as many generated
        ones (fixed noise per batch) into the FID."""
        x, y = self.unpack(batch)
        seed = 1000 * batch_idx + self.global_rank
        z = self.noise(len(x), torch.Generator(self.device).manual_seed(seed))
        labels = y if self.conditional else None
        fake = self.pixels.from_pixels((self(z, labels) + 1) / 2)
        fid = getattr(self, f"{stage}_fid")
        if stage == "test" or not self.val_real_fed:
            fid.update(x, real=True)
        fid.update(fake, real=False)
        if self.conditional:
            accuracy = getattr(self, f"{stage}_gen_acc")
            accuracy(self.feature_classifier(fake).argmax(dim=1), labels)
            self.log(f"{stage}/gen_acc", accuracy, on_epoch=True)

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        self.evaluation_step(batch, batch_idx, "val")

    def on_validation_epoch_end(self) -> None:
        fid = compute_fid(self.val_fid, f"epoch {self.current_epoch}")
        if self.trainer.sanity_checking:  # a few batches only: keep none of their statistics
            self.val_fid.reset_real_features = True
            self.val_fid.reset()
            self.val_fid.reset_real_features = False
        else:  # fakes change every epoch; the real images' statistics are kept
            self.val_fid.reset()
            self.val_real_fed = True
        self.log("val/fid", fid, prog_bar=True)
        if self.monitor == "val/fid":
            self.log_best("val/fid", fid, mode="min")

    def test_step(self, batch: Any, batch_idx: int) -> None:
        self.evaluation_step(batch, batch_idx, "test")

    def on_test_epoch_end(self) -> None:
        self.log("test/fid", compute_fid(self.test_fid, "test"))
        self.test_fid.reset()
