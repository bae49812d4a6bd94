"""Convolutional autoencoder; with a corruption it becomes a denoiser or an inpainter."""

from __future__ import annotations

from typing import Any, ClassVar

import hydra.utils
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torchmetrics import MeanMetric, MeanSquaredError
from torchmetrics.image import PeakSignalNoiseRatio

from litlab.errors import ConfigError
from litlab.fits import ANY_TARGET
from litlab.metrics.running import RunningMean
from litlab.models.corruptions import BoxMask, Corruption
from litlab.models.pixels import PixelScale, ssim_metric
from litlab.models.reconstruction import ReconstructionModel
from litlab.utils.config import plain


class Autoencoder(ReconstructionModel):
    """Learns to map `corruption(x)` back to `x` (no corruption: a plain autoencoder).

    Works in natural [0, 1] pixels: the decoder's logits go through a sigmoid, the loss is `mse`
    or `bce` against the clean pixels, and `{stage}/mse`, `/psnr`, `/ssim` compare the output
    with the clean image (SSIM: an 11-pixel Gaussian window, or the largest odd one that fits a
    smaller image, see `litlab.models.pixels.ssim_metric`). With a noise corruption it also logs
    `{stage}/psnr_noisy` (the corrupted input's PSNR); with a mask, `{stage}/psnr_masked` and
    `/mse_masked` on the hidden region, where the output is the input with the hidden region
    filled in.
    """

    inputs = ("image",)
    targets = ANY_TARGET
    progress_bar = ("loss", "psnr")
    default_corruption: ClassVar[dict[str, Any] | None] = None  # subclasses: denoiser, inpainter

    def __init__(
        self,
        spec: dict[str, Any],
        net: dict[str, Any],
        optimizer: dict[str, Any],
        scheduler: dict[str, Any] | None = None,
        corruption: dict[str, Any] | None = None,
        loss: str = "mse",
        masked_weight: float = 0.0,
        examples: int = 8,
        monitor: str = "val/psnr",
        mode: str = "max",
    ) -> None:
        super().__init__(spec, optimizer, scheduler, monitor, mode)
        self.save_hyperparameters()
        if loss not in ("mse", "bce"):
            raise ConfigError(f"model.loss must be mse or bce, got {loss!r}")
        self.net = self.build_net(net, in_shape=self.spec.input_shape)
        self.pixels = PixelScale(self.spec)
        corruption = plain(corruption) or self.default_corruption
        self.corruption: Corruption = (
            hydra.utils.instantiate(corruption) if corruption else Corruption()
        )
        self.train_metrics = self.make_metrics("train")
        self.val_metrics = self.make_metrics("val")
        self.test_metrics = self.make_metrics("test")
        self.examples: dict[str, Tensor] = {}

    def make_metrics(self, stage: str) -> nn.ModuleDict:
        metrics: dict[str, nn.Module] = {
            "loss": RunningMean() if stage == "train" else MeanMetric(),
            "mse": MeanSquaredError(),
            "psnr": PeakSignalNoiseRatio(data_range=1.0),
        }
        if stage != "train":  # SSIM is the slow one
            metrics["ssim"] = ssim_metric(self.spec.input_shape)
        if self.corruption.active:
            metrics["psnr_noisy"] = PeakSignalNoiseRatio(data_range=1.0)
        if isinstance(self.corruption, BoxMask):
            metrics["mse_masked"] = MeanSquaredError()
            metrics["psnr_masked"] = PeakSignalNoiseRatio(data_range=1.0)
        return nn.ModuleDict(metrics)

    def forward(self, x: Tensor) -> Tensor:
        """Reconstructed pixels in [0, 1] from (normalised) model inputs."""
        return torch.sigmoid(self.net(x))

    def reconstruction_loss(self, logits: Tensor, clean: Tensor, mask: Tensor | None) -> Tensor:
        if self.hparams.loss == "bce":
            per_pixel = F.binary_cross_entropy_with_logits(logits, clean, reduction="none")
        else:
            per_pixel = (torch.sigmoid(logits) - clean).pow(2)
        loss = per_pixel.mean()
        if mask is not None and self.hparams.masked_weight:
            loss = loss + self.hparams.masked_weight * per_pixel[mask].mean()
        return loss

    def shared_step(self, batch: Any, stage: str, batch_idx: int) -> Tensor:
        x = batch[0] if isinstance(batch, list | tuple) else batch
        clean = self.pixels.to_pixels(x)
        # the same corruption every epoch on val/test, so their metrics compare across epochs
        generator = None
        if stage != "train":
            generator = torch.Generator(device=x.device).manual_seed(batch_idx)
        corrupted, mask = self.corruption(clean, generator)
        logits = self.net(self.pixels.from_pixels(corrupted))
        loss = self.reconstruction_loss(logits, clean, mask)
        output = torch.sigmoid(logits).detach()
        if mask is not None:
            output = torch.where(mask, output, clean)

        metrics: nn.ModuleDict = getattr(self, f"{stage}_metrics")
        metrics["loss"].update(loss.detach(), weight=len(x))
        for name in ("mse", "psnr", "ssim"):
            if name in metrics:
                metrics[name].update(output, clean)
        if "psnr_noisy" in metrics:
            metrics["psnr_noisy"].update(corrupted, clean)
        if mask is not None:
            metrics["mse_masked"].update(output[mask], clean[mask])
            metrics["psnr_masked"].update(output[mask], clean[mask])
        if stage == "val" and batch_idx == 0:
            n = self.hparams.examples
            self.examples = {"input": clean[:n].cpu(), "output": output[:n].cpu()}
            if self.corruption.active:
                self.examples = {**self.examples, "corrupted": corrupted[:n].cpu()}
        return loss
