"""Autoencoder, denoiser and inpainter: nets, corruptions, runs on digits/MNIST/CIFAR-shaped data,
figures, real-data quality, model/data mismatch, and a NaN loss that stops the run."""

from __future__ import annotations

import json
import math
import pickle

import numpy as np
import pytest
import torch
from PIL import Image

from litlab.builders import build_datamodule
from litlab.data.spec import DataSpec
from litlab.errors import IncompatibleError
from litlab.models import Autoencoder, Denoiser, Inpainter
from litlab.models.corruptions import BoxMask, Noise
from litlab.nets import ConvAutoencoder, UNet
from litlab.utils.summary import read_summary
from tests.conftest import FEW_BATCHES, compose_cfg, run_train

SHORT = [*FEW_BATCHES, "~logger"]


@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28), (3, 32, 32), (3, 7, 5), (1, 9, 13)])
def test_conv_autoencoder_gives_back_the_input_shape(shape):
    net = ConvAutoencoder(shape, latent_dim=6, channels=(8, 16, 32))
    assert net.encode(torch.zeros(2, *shape)).shape == (2, 6)
    assert net(torch.zeros(2, *shape)).shape == (2, *shape)
    assert ConvAutoencoder(shape, 6, variational=True).encode(torch.zeros(2, *shape)).shape == (
        2,
        12,
    )


@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28), (3, 32, 32), (3, 7, 5)])
def test_unet_gives_back_the_input_shape(shape):
    assert UNet(shape, channels=(8, 16, 32))(torch.zeros(2, *shape)).shape == (2, *shape)


def test_denoiser_on_a_unet_and_a_deeper_conv_autoencoder(tmp_path):
    run_train(["model=denoiser", "model/net=unet", *SHORT], tmp_path / "unet")
    run_train(["model=autoencoder", "model.net.depth=2", *SHORT], tmp_path / "deep")
    for name in ("unet", "deep"):
        assert read_summary(tmp_path / name)["metrics"]["test/psnr"] > 5


def test_vae_refuses_a_net_without_a_latent_code(tmp_path):
    with pytest.raises(SystemExit):
        run_train(["model=vae", "model/net=unet", *SHORT], tmp_path)
    summary = read_summary(tmp_path)
    assert summary["status"] == "failed"
    assert summary["error"].startswith("model=vae needs a net with a latent code")


def test_noise_and_masks_do_what_they_say():
    x = torch.full((4, 1, 20, 20), 0.5)
    noisy, mask = Noise(gaussian_std=0.5)(x)
    assert mask is None and noisy.min() >= 0 and noisy.max() <= 1
    assert 0.3 < (noisy - x).std() < 0.5  # std 0.5, a little less after clipping
    salted, _ = Noise(salt_pepper=0.2)(x)
    assert abs((salted != 0.5).float().mean() - 0.2) < 0.05
    hidden, mask = BoxMask(size=0.5, placement="centre")(x)
    assert mask[0, 0, 5:15, 5:15].all() and mask.sum() == 4 * 100
    assert (hidden[mask] == 0).all() and (hidden[~mask] == 0.5).all()
    _, mask = BoxMask(size=0.25, count=2)(x)
    assert (mask.flatten(1).sum(1) >= 25).all()


def test_models_fit_images_only():
    table = DataSpec(input_kind="table", input_shape=(13,), target="class", num_classes=3)
    for model in (Autoencoder, Denoiser, Inpainter):
        with pytest.raises(IncompatibleError, match="needs images; data=wine gives table rows"):
            model.check_fits(table, "autoencoder", "wine")


def psnr(output: torch.Tensor, clean: torch.Tensor) -> float:
    """10 log10(1 / MSE) for pixels in [0, 1], over the whole batch."""
    return 10 * math.log10(1 / (output.double() - clean.double()).pow(2).mean().item())


def reference_psnr(model: str, checkpoint: str, tmp_path) -> dict[str, float]:
    """The test PSNRs of the run's one test batch, from the images themselves: the clean
    pixels straight from the dataset's uint8 images, the output of the checkpoint's net."""
    cfg = compose_cfg([f"model={model}", "data=digits", *SHORT], tmp_path / "reference")
    dm = build_datamodule(cfg, "test")
    x, _ = dm.on_after_batch_transfer(next(iter(dm.test_dataloader())), 0)
    clean = dm.test_set.tensors[0][: len(x)].float() / dm.max_value
    lit = Autoencoder.load_from_checkpoint(checkpoint, weights_only=True).eval()
    corrupted, mask = lit.corruption(clean, torch.Generator().manual_seed(0))  # test batch 0
    with torch.no_grad():
        output = lit(lit.pixels.from_pixels(corrupted))
    references = {}
    if mask is not None:
        output = torch.where(mask, output, clean)
        references["psnr_masked"] = psnr(output[mask], clean[mask])
    elif model == "denoiser":
        references["psnr_noisy"] = psnr(corrupted, clean)
    references["psnr"] = psnr(output, clean)
    return references


@pytest.mark.parametrize("model", ["autoencoder", "denoiser", "inpainter"])
def test_each_model_trains_on_digits_and_keeps_its_figure_and_checkpoint(model, tmp_path):
    result = run_train([f"model={model}", "data=digits", *SHORT], tmp_path)
    metrics = result["metrics"]
    for name, reference in reference_psnr(model, result["best_checkpoint"], tmp_path).items():
        assert metrics[f"test/{name}"] == pytest.approx(reference, abs=1e-3), name
    figure = Image.open(tmp_path / "figures" / "reconstructions.png")
    assert figure.size[0] > 300
    checkpoint = torch.load(result["best_checkpoint"], weights_only=True)
    assert checkpoint["litlab_config"]["model"]["_target_"].endswith(model.capitalize())
    Autoencoder.load_from_checkpoint(result["best_checkpoint"], weights_only=True)


@pytest.mark.parametrize("model", ["autoencoder", "denoiser", "inpainter"])
def test_each_model_runs_on_mnist(model, tmp_path, mnist_dir):
    result = run_train(
        [f"model={model}", "data=mnist", f"data.data_dir={mnist_dir}", "debug=fdr"], tmp_path
    )
    assert result["status"] == "ok" and math.isfinite(float(result["metrics"]["test/psnr"]))


def write_tiny_cifar(root, per_batch: int = 8) -> None:
    """cifar-10-batches-py/ in the real pickle layout, with random images."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"]:
        batch = {
            b"data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
            b"labels": list(rng.integers(0, 10, per_batch)),
        }
        (folder / name).write_bytes(pickle.dumps(batch))
    names = {b"label_names": [f"class{i}".encode() for i in range(10)]}
    (folder / "batches.meta").write_bytes(pickle.dumps(names))


def test_colour_32x32_images_train_end_to_end(tmp_path):
    write_tiny_cifar(tmp_path / "data")
    result = run_train(
        ["model=inpainter", "data=cifar10", f"data.data_dir={tmp_path / 'data'}", *SHORT],
        tmp_path / "run",
    )
    assert math.isfinite(float(result["metrics"]["test/psnr_masked"]))
    assert Image.open(tmp_path / "run" / "figures" / "reconstructions.png").mode in ("RGB", "RGBA")


@pytest.mark.slow
def test_denoiser_on_real_mnist_beats_the_noisy_input_by_2_db(tmp_path, mnist_dir):
    """2 epochs on the shared 8k set (7,200 training digits), noise std 0.5."""
    result = run_train(
        [
            "experiment=mnist_denoiser",
            f"data.data_dir={mnist_dir}",
            "trainer.max_epochs=2",
            "~logger",
        ],
        tmp_path,
    )
    metrics = result["metrics"]
    assert metrics["test/psnr"] >= 11.0  # measured 11.5 dB (noisy input: 9.4 dB)
    assert metrics["test/psnr"] - metrics["test/psnr_noisy"] >= 2.0


# the NaN is the point of the test; torchmetrics says it drops it from the mean
@pytest.mark.filterwarnings("ignore:Encountered `nan` values in tensor:UserWarning")
def test_nan_loss_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    original = Autoencoder.reconstruction_loss

    def broken_after_first_epoch(self, logits, clean, mask):
        loss = original(self, logits, clean, mask)
        return loss * float("nan") if self.current_epoch >= 1 else loss

    monkeypatch.setattr(Autoencoder, "reconstruction_loss", broken_after_first_epoch)
    with pytest.raises(SystemExit) as stop:
        run_train(["model=autoencoder", "data=digits", *SHORT, "trainer.max_epochs=3"], tmp_path)
    assert stop.value.code == 1
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "failed" and "nan" in summary["error"].lower()
    last = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)
    assert last["epoch"] == 0
    assert all(
        torch.isfinite(v).all() for v in last["state_dict"].values() if v.is_floating_point()
    )
