"""GAN gradient clipping under mixed precision: the clip applies to the true (unscaled)
gradients, for the generator's and the discriminator's steps alike."""

from __future__ import annotations

import pytest
import pytorch_lightning as pl
import torch
from omegaconf import OmegaConf
from pytorch_lightning.plugins import MixedPrecision

from litlab.builders import model_arguments
from litlab.data import DigitsDataModule
from litlab.models import GAN
from tests.conftest import compose_cfg

CLIP = 0.05
SCALE = 2.0**16


class RecordingGAN(GAN):
    """Records the gradient norm of each net as the optimizer is about to step."""

    def on_before_optimizer_step(self, optimizer) -> None:
        super().on_before_optimizer_step(optimizer)
        params = [p for group in optimizer.param_groups for p in group["params"]]
        grads = [p.grad for p in params if p.grad is not None]
        net = "generator" if params[0] is next(self.generator.parameters()) else "discriminator"
        self.norms.append((net, float(torch.linalg.vector_norm(torch.stack(
            [torch.linalg.vector_norm(g.float()) for g in grads]
        )))))  # fmt: skip


@pytest.mark.parametrize("clip", [CLIP, None])
def test_clipping_under_16_mixed_bounds_the_unscaled_gradient_norm(clip, tmp_path):
    dm = DigitsDataModule(batch_size=32)
    dm.setup("fit")
    cfg = model_arguments(
        OmegaConf.to_container(compose_cfg(["model=gan"], tmp_path).model, resolve=False)
    )
    options = {k: v for k, v in cfg.items() if k not in ("_target_", "fid")}
    fid = {"classifier_steps": 2, "cache": str(tmp_path / "fid.ckpt")}
    model = RecordingGAN(dm.spec.to_dict(), **{**options, "gradient_clip_val": clip, "fid": fid})
    model.norms = []
    scaler = torch.amp.GradScaler("cpu", init_scale=SCALE, growth_interval=1000)
    trainer = pl.Trainer(
        accelerator="cpu", max_steps=3, limit_val_batches=0, logger=False,
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
        callbacks=[], plugins=[MixedPrecision("16-mixed", "cpu", scaler=scaler)],
    )  # fmt: skip
    trainer.fit(model, datamodule=dm)
    assert scaler.get_scale() == SCALE  # no step was skipped: every norm below was stepped on
    assert [net for net, _ in model.norms] == ["discriminator", "generator"] * 3
    norms = [norm for _, norm in model.norms]
    if clip is None:
        # unclipped true gradients are well above the clip value, so clipping has work to do
        assert min(norms) > 2 * CLIP, norms
    else:
        # clipped to CLIP in true units: not CLIP / SCALE (clipping the scaled gradients)
        assert all(CLIP * 0.99 < n <= CLIP * 1.01 for n in norms), norms
