"""Variational autoencoder with a Bernoulli or Gaussian decoder and a warmed-up KL weight."""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torchmetrics import MeanMetric

from litlab.errors import ConfigError
from litlab.fits import ANY_TARGET
from litlab.metrics.running import RunningMean
from litlab.models.pixels import PixelScale
from litlab.models.reconstruction import ReconstructionModel

LOG_2PI = math.log(2 * math.pi)


class VAE(ReconstructionModel):
    """Gaussian encoder q(z|x) (reparameterised), standard normal prior, and a decoder p(x|z)
    on natural [0, 1] pixels: `bernoulli` (logits) or `gaussian` (means with one noise scale,
    fixed by `sigma` or learned when it is null).

    The loss is recon + beta * KL, with beta ramped linearly from 0 over `warmup_epochs`.
    Logs `{stage}/nelbo` (recon + KL, nats per image summed over pixels, always with beta=1),
    `{stage}/recon`, `{stage}/kl` and `{stage}/loss`.
    """

    inputs = ("image",)
    targets = ANY_TARGET
    progress_bar = ("loss", "nelbo")

    def __init__(
        self,
        spec: dict[str, Any],
        net: dict[str, Any],
        optimizer: dict[str, Any],
        scheduler: dict[str, Any] | None = None,
        decoder: str = "bernoulli",
        sigma: float | None = None,
        beta: float = 1.0,
        warmup_epochs: float = 0.0,
        examples: int = 8,
        monitor: str = "val/nelbo",
        mode: str = "min",
    ) -> None:
        super().__init__(spec, optimizer, scheduler, monitor, mode)
        self.save_hyperparameters()
        if decoder not in ("bernoulli", "gaussian"):
            raise ConfigError(f"model.decoder must be bernoulli or gaussian, got {decoder!r}")
        if sigma is not None and sigma <= 0:
            raise ConfigError(f"model.sigma must be positive or null (learned), got {sigma}")
        self.net = self.build_net(net, in_shape=self.spec.input_shape, variational=True)
        if not all(hasattr(self.net, f) for f in ("encode", "decode", "latent_dim")):
            raise ConfigError(
                f"model=vae needs a net with a latent code (model/net=conv_autoencoder); "
                f"{type(self.net).__name__} has none."
            )
        self.latent_dim: int = self.net.latent_dim
        self.pixels = PixelScale(self.spec)
        self.log_sigma = nn.Parameter(
            torch.tensor(math.log(sigma or 0.1)), requires_grad=sigma is None
        )
        names = ("loss", "nelbo", "recon", "kl")
        ramped = ("beta",) if warmup_epochs else ()  # logged as train/beta, its epoch mean
        self.train_metrics = nn.ModuleDict({k: RunningMean() for k in (*names, *ramped)})
        self.val_metrics = nn.ModuleDict({k: MeanMetric() for k in names})
        self.test_metrics = nn.ModuleDict({k: MeanMetric() for k in names})
        self.examples: dict[str, Tensor] = {}
        self.test_latents: list[tuple[Tensor, Tensor]] = []

    # ------------------------------------------------------------------ the model
    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Mean and log-variance of q(z|x) for (normalised) model inputs."""
        mu, logvar = self.net.encode(x).chunk(2, dim=1)
        return mu, logvar.clamp(-30, 20)

    def decode(self, z: Tensor) -> Tensor:
        """Mean images in [0, 1] for latent codes."""
        out = self.net.decode(z)
        return torch.sigmoid(out) if self.hparams.decoder == "bernoulli" else out.clamp(0, 1)

    def forward(self, x: Tensor) -> Tensor:
        """Reconstruction (decoded posterior mean) in [0, 1]."""
        return self.decode(self.encode(x)[0])

    def negative_log_likelihood(self, out: Tensor, pixels: Tensor) -> Tensor:
        """-log p(x|z) per image, summed over pixels."""
        if self.hparams.decoder == "bernoulli":
            nll = F.binary_cross_entropy_with_logits(out, pixels, reduction="none")
        else:
            sigma = self.log_sigma.exp()
            nll = 0.5 * ((pixels - out) / sigma).pow(2) + self.log_sigma + 0.5 * LOG_2PI
        return nll.flatten(1).sum(1)

    def beta_now(self, batch_idx: int) -> float:
        """The KL weight: beta, ramped linearly from 0 over the first `warmup_epochs`."""
        warmup = self.hparams.warmup_epochs
        if not warmup:
            return self.hparams.beta
        epochs = self.trainer.current_epoch + batch_idx / max(1, self.trainer.num_training_batches)
        return self.hparams.beta * min(1.0, epochs / warmup)

    @torch.no_grad()
    def sample(
        self, n: int, labels: Tensor | None = None, generator: torch.Generator | None = None
    ) -> Tensor:
        """`n` images (n, C, H, W) in [0, 1] decoded from the prior; the codes come from
        `generator` (on this model's device) when given, else from the global random state."""
        if labels is not None:
            raise ConfigError("model=vae is unconditional; sample it without labels.")
        was_training = self.training
        self.eval()
        z = torch.randn(n, self.latent_dim, device=self.device, generator=generator)
        images = self.decode(z)
        self.train(was_training)
        return images

    @torch.no_grad()
    def interpolate(self, a: Tensor, b: Tensor, steps: int = 10) -> Tensor:
        """Decoded images along the line between the codes of pixel images `a` and `b` (each
        (N, C, H, W)); returns (N, steps, C, H, W)."""
        za = self.encode(self.pixels.from_pixels(a))[0]
        zb = self.encode(self.pixels.from_pixels(b))[0]
        t = torch.linspace(0, 1, steps, device=za.device).view(1, steps, 1)
        z = (1 - t) * za.unsqueeze(1) + t * zb.unsqueeze(1)
        return self.decode(z.flatten(0, 1)).unflatten(0, (len(a), steps))

    # ------------------------------------------------------------------ training
    def shared_step(self, batch: Any, stage: str, batch_idx: int) -> Tensor:
        x = batch[0] if isinstance(batch, list | tuple) else batch
        pixels = self.pixels.to_pixels(x).clamp(0, 1)
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        out = self.net.decode(z)
        recon = self.negative_log_likelihood(out, pixels)
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
        beta = self.beta_now(batch_idx) if stage == "train" else self.hparams.beta
        loss = (recon + beta * kl).mean()

        values = {
            "loss": loss,
            "nelbo": (recon + kl).mean(),
            "recon": recon.mean(),
            "kl": kl.mean(),
        }
        metrics: nn.ModuleDict = getattr(self, f"{stage}_metrics")
        for name, value in values.items():
            metrics[name].update(value.detach(), weight=len(x))
        if "beta" in metrics:  # training with a warm-up (__init__)
            metrics["beta"].update(beta)  # an epoch mean, not a per-step self.log (docs/bench.md)
        if stage != "train" and batch_idx == 0:
            n = self.hparams.examples
            self.examples = {"input": pixels[:n].cpu(), "output": self.decode(mu[:n]).cpu()}
        if stage == "test" and self.latent_dim == 2 and isinstance(batch, list | tuple):
            self.test_latents.append((mu.detach().cpu(), batch[1].cpu()))
        return loss

    def on_test_epoch_start(self) -> None:
        self.test_latents = []
