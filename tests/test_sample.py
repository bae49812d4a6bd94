"""sample.py: a PNG grid from any model with `sample`, one-sentence errors otherwise."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from omegaconf import OmegaConf
from PIL import Image

from litlab.errors import ConfigError
from litlab.tasks.sample import sample
from tests.conftest import run_cli, run_train

SHORT = ["trainer.max_epochs=1", "trainer.limit_train_batches=2", "trainer.limit_val_batches=1"]
SHORT += ["test=false", "~logger"]


def run_sample(args: list[str]) -> subprocess.CompletedProcess:
    """`python sample.py <args>` from the repo root, as a user would."""
    return run_cli("sample.py", args, timeout=600)


def sample_cfg(**values):
    base = {"n": 16, "nrow": None, "labels": None, "out": None, "seed": 0, "device": "cpu"}
    return OmegaConf.create({**base, **values})


@pytest.fixture(scope="module")
def vae_checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vae_run")
    return run_train(["model=vae", "data=digits", *SHORT], folder)["best_checkpoint"]


def test_sample_py_writes_a_grid_of_the_right_size(vae_checkpoint, tmp_path):
    out = tmp_path / "grid.png"
    result = run_sample([f"ckpt_path={vae_checkpoint}", "n=12", "nrow=4", f"out={out}"])
    assert result.returncode == 0, result.stderr[-2000:]
    # 4 x 3 digits of 8 px with 2 px padding around each
    assert Image.open(out).size == (4 * 10 + 2, 3 * 10 + 2)


def test_default_output_goes_into_the_run_folders_figures(vae_checkpoint):
    path = sample(sample_cfg(ckpt_path=vae_checkpoint))
    ckpt = Path(vae_checkpoint)
    assert path == ckpt.parents[1] / "figures" / f"samples_{ckpt.stem}_n16.png"
    assert Image.open(path).size == (4 * 10 + 2, 4 * 10 + 2)


def test_models_without_sample_and_missing_files_fail_in_one_sentence(tmp_path):
    ckpt = run_train(["model=autoencoder", "data=digits", *SHORT], tmp_path)["best_checkpoint"]
    with pytest.raises(ConfigError, match="Autoencoder cannot generate images"):
        sample(sample_cfg(ckpt_path=ckpt))
    missing = tmp_path / "nope.ckpt"
    with pytest.raises(ConfigError, match=f"ckpt_path={missing} does not exist; give the path"):
        sample(sample_cfg(ckpt_path=str(missing)))


def test_sample_py_without_a_checkpoint_names_the_option():
    result = run_sample([])
    assert result.returncode == 1
    assert result.stderr.strip() == "error: ckpt_path must be set: python sample.py ckpt_path=..."
