"""Figure callbacks draw their fixed samples from their own generator: no global random state
(CPU or CUDA) is reseeded, read or restored, so the training noise never repeats because of
them, and the samples stay the same across epochs for the same weights."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from omegaconf import OmegaConf

from litlab.builders import model_arguments
from litlab.callbacks.latent_space import LatentSpaceFigures
from litlab.callbacks.sample_progress import SampleProgress
from litlab.data.spec import DataSpec
from litlab.models import GAN, VAE
from tests.conftest import compose_cfg

SPEC = DataSpec(input_kind="image", input_shape=(1, 8, 8), target="class", num_classes=10)
SEEDERS = [
    (torch, "manual_seed"),
    (torch.random, "manual_seed"),
    (torch, "seed"),
    (torch, "set_rng_state"),
    (torch.random, "set_rng_state"),
    (torch.cuda, "manual_seed"),
    (torch.cuda, "manual_seed_all"),
    (torch.cuda, "set_rng_state"),
    (torch.cuda, "set_rng_state_all"),
]


def model_config(name: str, tmp_path) -> dict:
    cfg = model_arguments(
        OmegaConf.to_container(compose_cfg([f"model={name}"], tmp_path).model, resolve=False)
    )
    return {k: v for k, v in cfg.items() if k not in ("_target_", "fid")}


@pytest.fixture
def no_global_seeding(monkeypatch):
    """Every way of (re)seeding or restoring a global generator raises."""

    def forbidden(*args, **kwargs):
        raise AssertionError("a figure callback touched a global random generator")

    for owner, name in SEEDERS:
        monkeypatch.setattr(owner, name, forbidden)


def fake_trainer(tmp_path, epoch: int = 0) -> SimpleNamespace:
    return SimpleNamespace(
        sanity_checking=False, is_global_zero=True, current_epoch=epoch, loggers=[],
        global_step=0, default_root_dir=str(tmp_path),
    )  # fmt: skip


@pytest.mark.parametrize("conditional", [False, True])
def test_sample_progress_leaves_the_global_rng_alone(conditional, tmp_path, no_global_seeding):
    model = GAN(SPEC.to_dict(), **{**model_config("gan", tmp_path), "conditional": conditional})
    callback = SampleProgress(figures_dir=str(tmp_path / "figures"), num_samples=16, per_row=8)
    state = torch.get_rng_state()
    callback.on_validation_epoch_end(fake_trainer(tmp_path, 0), model)
    callback.on_validation_epoch_end(fake_trainer(tmp_path, 1), model)
    assert torch.equal(torch.get_rng_state(), state)
    (_, first), (_, second) = callback.rows
    assert torch.equal(first, second)  # same weights, same fixed noise
    assert (tmp_path / "figures" / "samples_progress.png").is_file()
    # the fixed noise really is the callback's seed: another seed draws other images
    other = SampleProgress(seed=callback.seed + 1).draw_samples(model)[:8]
    assert not torch.equal(other, first)


def test_latent_space_prior_samples_leave_the_global_rng_alone(tmp_path, no_global_seeding):
    model = VAE(SPEC.to_dict(), **model_config("vae", tmp_path))
    drawn = []
    sample = model.sample
    model.sample = lambda *a, **k: drawn.append(sample(*a, **k)) or drawn[-1]
    callback = LatentSpaceFigures(figures_dir=str(tmp_path / "figures"), n_samples=16)
    state = torch.get_rng_state()
    callback.on_test_epoch_end(fake_trainer(tmp_path), model)
    callback.on_test_epoch_end(fake_trainer(tmp_path), model)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(drawn[0], drawn[1])
    assert (tmp_path / "figures" / "prior_samples.png").is_file()
