"""Shared test helpers: compose and run the real Hydra configs, in-process or as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, open_dict

from litlab.conf_dir import conf_dir
from tests.offline import no_network

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
# its sitecustomize.py blocks the network in every Python subprocess a test starts
OFFLINE_SITE = Path(__file__).resolve().parent / "offline"
# quiet, CPU-only defaults for every test run; a test's own overrides come after and win
QUIET = [
    "print_config=false",
    "trainer.accelerator=cpu",
    "trainer.enable_progress_bar=false",
]
QUIET_TRAIN = [*QUIET, "callbacks.model_summary=null"]


# Under pytest-xdist every worker trains at once: one thread each (and in the Python processes
# they start) keeps N workers on N cores from spin-waiting on each other's threads.
PARALLEL = os.environ.get("PYTEST_XDIST_WORKER") is not None
if PARALLEL:
    torch.set_num_threads(1)


def quiet(config_name: str) -> list[str]:
    if config_name in ("sample", "predict", "demo"):  # no trainer, nothing printed
        return []
    return QUIET_TRAIN if config_name == "train" else QUIET


@pytest.fixture(autouse=True)
def offline_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the network, the user's W&B settings or the repo's data/ folder."""
    wandb_home = tmp_path_factory.mktemp("wandb")
    for key in ("WANDB_DIR", "WANDB_CACHE_DIR", "WANDB_CONFIG_DIR", "WANDB_DATA_DIR"):
        monkeypatch.setenv(key, str(wandb_home))
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("DATA_DIR", str(tmp_path_factory.getbasetemp() / "no-data-here"))
    for owner, name, guarded in no_network.replacements():
        monkeypatch.setattr(owner, name, guarded)
    if PARALLEL:
        monkeypatch.setenv("OMP_NUM_THREADS", "1")
    path = [str(OFFLINE_SITE), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(path))


@pytest.fixture
def mnist_dir() -> Path:
    """The real MNIST-format set beside the repo (8,000 train / 2,000 test digits)."""
    return shared_mnist(SHARED_DATA)


def shared_mnist(root: Path) -> Path:
    """`root` when it holds MNIST. Without it a newcomer's run skips the test and says why;
    CI (the `CI` variable set, as `.ci/run` does) fails instead, so a missing set can never
    pass as green."""
    if not (root / "MNIST" / "raw" / "train-images-idx3-ubyte").is_file():
        reason = f"the shared MNIST set is not at {root}/MNIST/raw"
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail(f"{reason}; CI needs it (a checkout of ../shared beside the repo)")
        pytest.skip(f"{reason}; set it up beside the repo to run the real-data tests")
    return root


@pytest.fixture
def one_thread():
    """One intra-op thread for the duration of a test (tiny nets: more threads only contend)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def compose_cfg(overrides: list[str], out_dir: Path, config_name: str = "train") -> DictConfig:
    """The config `python train.py <overrides>` would run with, its run folder at `out_dir`."""
    with initialize_config_dir(conf_dir(), version_base="1.3"):
        cfg = compose(
            config_name,
            overrides=[*quiet(config_name), *overrides, f"hydra.run.dir={out_dir}"],
            return_hydra_config=True,
        )
    cfg.hydra.runtime.output_dir = str(out_dir)
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        cfg.paths.output_dir = str(out_dir)
    return cfg


def run_train(overrides: list[str], out_dir: Path) -> dict:
    """Train in this process, exactly as train.py would; returns the summary fields."""
    from litlab.runner import run_task
    from litlab.train import train

    return run_task(compose_cfg(overrides, out_dir), train)


def run_cli(
    script: str, args: list[str], env: dict[str, str] | None = None, timeout: int = 900
) -> subprocess.CompletedProcess:
    """Run `python <script> <args>` from the repo root as a user would."""
    full_env = {**os.environ, **(env or {})}
    flags = [a for a in args if a.startswith("-")]  # Hydra's flags (-m, --cfg) come first
    overrides = [a for a in args if not a.startswith("-")]
    return subprocess.run(
        [sys.executable, script, *flags, *quiet(Path(script).stem), *overrides],
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first, so that under `-n 2` the minutes-long ones start at once and the
    short ones fill in around them, instead of one long test running alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
