"""GAN, conditional GAN and semi-supervised GAN: runs, step counting, DDP, NaN and bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import torch
from omegaconf import OmegaConf

from litlab.data.spec import DataSpec
from litlab.errors import IncompatibleError
from litlab.models import GAN, SemiSupervisedGAN
from litlab.nets import DCGANDiscriminator, DCGANGenerator
from tests.conftest import compose_cfg, run_cli, run_train

FAST = ["model.fid.classifier_steps=10", "callbacks.loss_curves=null"]


@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28), (3, 32, 32), (3, 30, 30)])
def test_nets_adapt_to_the_image_shape(shape):
    generator = DCGANGenerator(shape, latent_dim=16, width=8, num_classes=10)
    images = generator(torch.randn(4, 16), torch.arange(4))
    assert images.shape == (4, *shape)
    assert images.min() >= -1 and images.max() <= 1
    discriminator = DCGANDiscriminator(shape, width=8, num_classes=10)
    assert discriminator(images, torch.arange(4)).shape == (4, 1)


def test_discriminator_input_noise_only_while_training():
    discriminator = DCGANDiscriminator((1, 28, 28), width=8, batch_norm=False, noise_std=0.3)
    images = torch.rand(4, 1, 28, 28) * 2 - 1
    with torch.no_grad():
        assert not torch.equal(discriminator(images), discriminator(images))
        discriminator.eval()
        assert torch.equal(discriminator(images), discriminator(images))


@pytest.mark.parametrize("model", ["gan", "cgan", "ssgan"])
def test_fast_dev_run_on_digits_writes_metrics_and_sample_figures(model, tmp_path):
    summary = run_train([f"model={model}", "debug=fdr", *FAST], tmp_path)
    metrics = summary["metrics"]
    assert summary["status"] == "ok"
    for name in ("train/loss_g", "train/loss_d", "train/d_real", "train/d_fake", "test/fid"):
        assert torch.isfinite(torch.as_tensor(metrics[name])), name
    if model == "cgan":
        assert 0 <= metrics["test/gen_acc"] <= 1
    if model == "ssgan":
        assert {"test/acc", "test/acc_labelled_only"} <= metrics.keys()
    assert (tmp_path / "figures" / "samples_progress.png").stat().st_size > 1000
    assert (tmp_path / "figures" / "samples_epoch_000.png").is_file()


@pytest.mark.parametrize("model", ["gan", "cgan", pytest.param("ssgan", marks=pytest.mark.slow)])
def test_fast_dev_run_on_mnist(model, mnist_dir, tmp_path):
    overrides = [f"model={model}", "data=mnist", f"data.data_dir={mnist_dir}", "debug=fdr"]
    if model == "ssgan":
        overrides.append("model.baseline_steps=10")
    summary = run_train([*overrides, *FAST], tmp_path)
    assert summary["status"] == "ok"
    assert summary["metrics"]["test/fid"] > 0


@pytest.mark.slow
def test_offline_fid_falls_while_the_gan_trains_on_digits(tmp_path):
    overrides = ["model=gan", "trainer.max_epochs=4", "callbacks.early_stopping=null", *FAST]
    summary = run_train(overrides, tmp_path)
    metrics = pd.read_csv(tmp_path / "csv" / "metrics.csv")
    fid = metrics["val/fid"].dropna().tolist()
    assert len(fid) == 4
    assert fid[-1] < 0.7 * fid[0], fid
    assert summary["metrics"]["val/fid_best"] == min(fid)


def test_max_steps_counts_generator_steps_and_the_checkpoint_loads(tmp_path):
    """max_steps=7 with 7 batches per epoch: one epoch of 7 generator and 7 discriminator steps
    (double counting would stop after 4 batches, before the end-of-epoch checkpoint). Gradient
    clipping is asked of the trainer (and moved to the model, since Lightning refuses it); the
    step-wise one-cycle schedule spans exactly the 7 steps."""
    overrides = [
        "model=cgan",
        "trainer.max_steps=7",
        "trainer.max_epochs=100",
        "trainer.limit_train_batches=7",
        "trainer.limit_val_batches=1",
        "trainer.gradient_clip_val=0.5",
        "+model/scheduler=onecycle",  # one per optimizer, stepped by hand every generator step
        "model.scheduler.max_lr=2e-4",
        "test=false",
        *FAST,
    ]
    summary = run_train(overrides, tmp_path)
    assert summary["status"] == "ok"
    checkpoint = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)
    assert checkpoint["global_step"] == 7
    assert checkpoint["epoch"] == 0  # and training stopped there
    generator_adam, discriminator_adam = checkpoint["optimizer_states"]
    assert discriminator_adam["state"][0]["step"] == 7
    assert generator_adam["state"][0]["step"] == 7
    assert checkpoint["hyper_parameters"]["gradient_clip_val"] == 0.5
    assert [s["last_epoch"] for s in checkpoint["lr_schedulers"]] == [7, 7]
    assert [s["total_steps"] for s in checkpoint["lr_schedulers"]] == [7, 7]
    model = GAN.load_from_checkpoint(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)
    images = model.sample(12, labels=torch.full((12,), 3))
    assert images.shape == (12, 1, 8, 8)
    assert images.min() >= 0 and images.max() <= 1


def test_plain_ddp_becomes_find_unused_parameters_and_clipping_moves_to_the_model(tmp_path):
    cfg = compose_cfg(["model=gan", "trainer=ddp_cpu", "trainer.gradient_clip_val=1.0"], tmp_path)
    GAN.adapt_config(cfg)
    assert cfg.trainer.strategy == "ddp_find_unused_parameters_true"
    assert cfg.trainer.gradient_clip_val is None
    assert cfg.model.gradient_clip_val == 1.0


@pytest.mark.slow
@pytest.mark.ddp
def test_trains_under_ddp_on_two_cpu_processes(tmp_path):
    args = [
        "model=gan",
        "trainer=ddp_cpu",
        "trainer.max_epochs=2",
        "trainer.limit_train_batches=2",
        "trainer.limit_val_batches=2",
        "trainer.limit_test_batches=2",
        f"hydra.run.dir={tmp_path}",
        *FAST,
    ]
    result = run_cli("train.py", args, env={"OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ddp_find_unused_parameters_true" in result.stdout + result.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "ok"
    assert summary["metrics"]["test/fid"] > 0
    checkpoint = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)
    assert checkpoint["global_step"] == 4


@pytest.mark.parametrize(
    ("check_every", "reported"),
    [
        (None, "loss_g became nan at epoch 2, step 6;"),  # CPU: the step that made it
        # as on a GPU: read at the next check (here validation), the span since the last one
        (100, "loss_g became nan between epoch 1, step 4 and epoch 2, step 6;"),
        # no guard: the FID of NaN samples says so (torch's eigvals would crash the process)
        ("off", "the generated images' features are not finite numbers (NaN or inf) at epoch 2"),
    ],
)
def test_a_nan_loss_stops_the_run_and_keeps_the_last_good_checkpoint(
    tmp_path, monkeypatch, check_every, reported
):
    real_loss = GAN.generator_loss

    def nan_from_step_5(self, real, fake, y):
        loss = real_loss(self, real, fake, y)
        return loss * float("nan") if self.global_step >= 5 else loss

    monkeypatch.setattr(GAN, "generator_loss", nan_from_step_5)
    overrides = [
        "model=gan",
        "trainer.max_epochs=5",
        "trainer.limit_train_batches=2",
        "trainer.limit_val_batches=1",
        "callbacks.finite_loss=null"
        if check_every == "off"
        else f"callbacks.finite_loss.check_every_n_steps={check_every or 'null'}",
        *FAST,
    ]
    with pytest.raises(SystemExit):
        run_train(overrides, tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "failed"
    assert reported in summary["error"]
    last = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)
    assert last["global_step"] == 4  # end of epoch 1; the broken step was never saved
    assert all(
        torch.isfinite(v).all() for v in last["state_dict"].values() if v.is_floating_point()
    )


@pytest.mark.parametrize("model_cls", [GAN, SemiSupervisedGAN])
def test_data_that_is_not_images_fails_with_one_sentence(model_cls):
    table = DataSpec(input_kind="table", input_shape=(13,), target="class", num_classes=3)
    with pytest.raises(
        IncompatibleError, match=r"^model=gan needs images; data=wine gives table rows\.$"
    ):
        model_cls.check_fits(table, "gan", "wine")


def test_conditional_and_semi_supervised_need_class_labels(tmp_path):
    unlabelled = DataSpec(input_kind="image", input_shape=(1, 8, 8), target="none")
    GAN.check_fits(unlabelled, "gan", "faces")  # an unconditional GAN needs no labels
    with pytest.raises(IncompatibleError, match="needs class labels; data=faces gives no targets"):
        SemiSupervisedGAN.check_fits(unlabelled, "ssgan", "faces")
    model_cfg = OmegaConf.to_container(compose_cfg(["model=cgan"], tmp_path).model)
    net_cfgs = {k: model_cfg[k] for k in ("generator", "discriminator")}
    opt = model_cfg["optimizer_g"]
    with pytest.raises(IncompatibleError, match="conditional=true needs class labels"):
        GAN(unlabelled.to_dict(), **net_cfgs, optimizer_g=opt, optimizer_d=opt, conditional=True)


def test_fid_keeps_the_real_statistics_and_checkpoints_hold_no_feature_net(tmp_path, monkeypatch):
    """Two validation epochs of 2 batches after a 2-batch sanity check: the real validation
    images go through the feature net once (epoch 0), the sanity check's are discarded, every
    epoch adds its samples; the checkpoint holds the two nets only and loads weights-only."""
    from torchmetrics.image.fid import FrechetInceptionDistance

    updates: list[tuple[FrechetInceptionDistance, bool, int]] = []
    update = FrechetInceptionDistance.update

    def spy(self, imgs, real):
        updates.append((self, real, len(imgs)))
        return update(self, imgs, real)

    monkeypatch.setattr(FrechetInceptionDistance, "update", spy)
    overrides = [
        "model=gan",
        "trainer.max_epochs=2",
        "trainer.limit_train_batches=2",
        "trainer.limit_val_batches=2",
        "trainer.num_sanity_val_steps=2",
        "data.batch_size=32",
        "test=false",
        *FAST,
    ]
    assert run_train(overrides, tmp_path)["status"] == "ok"
    val_fid = updates[0][0]
    assert not val_fid.reset_real_features
    real = [n for metric, is_real, n in updates if metric is val_fid and is_real]
    fake = [n for metric, is_real, n in updates if metric is val_fid and not is_real]
    assert real == [32, 32, 32, 32]  # sanity check (discarded), then epoch 0 only
    assert fake == [32] * 6  # sanity check, epoch 0, epoch 1
    assert int(val_fid.real_features_num_samples) == 64  # epoch 0's, nothing from the sanity
    val_fids = pd.read_csv(tmp_path / "csv" / "metrics.csv")["val/fid"].dropna()
    assert len(val_fids) == 2 and (val_fids > 0).all()

    checkpoint = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)
    keys = checkpoint["state_dict"].keys()
    assert keys and all(k.startswith(("generator.", "discriminator.")) for k in keys), keys
    model = GAN.load_from_checkpoint(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)
    assert model.sample(4).shape == (4, 1, 8, 8)
