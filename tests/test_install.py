"""A real install: the wheel built from this checkout holds every module and config, and once
installed (not editable) into a fresh venv its console scripts work from an empty folder. A
user's own configs join litlab's through Hydra's search path (docs/install.md)."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch

from litlab.help import help_text
from litlab.preflight import problem
from tests.conftest import OFFLINE_SITE, QUIET_TRAIN, REPO, run_train

TINY_RUN = [
    "trainer.max_epochs=1",
    "trainer.limit_train_batches=2",
    "trainer.limit_val_batches=1",
    "trainer.limit_test_batches=1",
    "baselines=false",
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of this checkout, built offline from a clean copy (a stale build/ folder
    in the checkout could otherwise put deleted modules into it)."""
    source = tmp_path_factory.mktemp("source")
    junk = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in ("src", "conf"):
        shutil.copytree(REPO / name, source / name, ignore=junk)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run([*pip, "-w", str(out), str(source)], check=True, capture_output=True)
    return next(out.glob("litlab-*.whl"))


def test_wheel_holds_every_module_and_config(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(REPO / "src").as_posix() for p in (REPO / "src").rglob("*.py")}
    configs = {
        "litlab/conf/" + p.relative_to(REPO / "conf").as_posix()
        for p in (REPO / "conf").rglob("*.yaml")
    }
    assert "litlab/conf/model/net/cnn.yaml" in configs  # nested groups are among them
    assert not modules - names, "add the missing packages to pyproject's [tool.setuptools]"
    assert not configs - names


def fresh_venv(root: Path, wheel: Path, env: dict[str, str]) -> Path:
    """A new venv with the wheel installed into it; the dependencies (torch, Lightning, ...)
    are read from this environment's site-packages through a .pth file instead of being
    installed again. The .pth is written after the install, so pip never sees (nor
    uninstalls) this environment's own litlab; nor may `env` name it (PYTHONPATH=src)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    subprocess.run([*pip, "--no-deps", "--no-index", str(wheel)], check=True, env=env)
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # plain folder lines: their own .pth files (this env's editable litlab) are not read
    (Path(purelib) / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return root / "bin"


@pytest.mark.slow
def test_installed_wheel_runs_every_console_script_from_an_empty_folder(wheel, tmp_path):
    # no PYTHONPATH=src: only the network guard of the tests, which holds no litlab
    env = {**os.environ, "PYTHONPATH": str(OFFLINE_SITE)}
    bin_dir = fresh_venv(tmp_path / "venv", wheel, env)
    empty = tmp_path / "empty"
    empty.mkdir()

    def run(*command: str) -> subprocess.CompletedProcess:
        return subprocess.run(command, cwd=empty, env=env, capture_output=True, text=True)

    probe = run(
        str(bin_dir / "python"),
        "-c",
        "import litlab, importlib.metadata as m; print(litlab.__file__); "
        "print(*sorted(e.name for e in m.distribution('litlab').entry_points "
        "if e.group == 'console_scripts'))",
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    where, scripts = probe.stdout.splitlines()
    assert Path(where).is_relative_to(tmp_path / "venv"), f"litlab leaked in from {where}"
    assert "litlab-train" in scripts.split()
    for script in scripts.split():
        result = run(str(bin_dir / script), "--help")
        assert result.returncode == 0, f"{script} --help: {result.stderr[-2000:]}"
        assert result.stdout.strip()

    job = run(str(bin_dir / "litlab-train"), "--cfg", "job")
    assert job.returncode == 0, job.stderr[-2000:]
    assert "_target_: litlab.data.DigitsDataModule" in job.stdout

    train = run(str(bin_dir / "litlab-train"), *QUIET_TRAIN, *TINY_RUN)
    assert train.returncode == 0, train.stderr[-3000:]
    (summary_file,) = (empty / "outputs" / "train" / "runs").glob("*/summary.json")
    summary = json.loads(summary_file.read_text())
    assert summary["status"] == "ok"
    assert Path(summary["best_checkpoint"]).is_relative_to(empty)
    assert summary["metrics"]["test/acc"] >= 0.0
    assert list(summary_file.parent.glob("figures/*.png"))


# A user's project: configs of their own in my_conf/, a net of their own in a module on the path.
USER_NET = '''"""A user's net, given the sizes its constructor asks for (in_shape, out_features)."""
import math

from torch import nn


class TinyMLP(nn.Module):
    def __init__(self, in_shape, out_features, hidden=24):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Flatten(), nn.Linear(math.prod(in_shape), hidden), nn.ReLU(),
            nn.Linear(hidden, out_features),
        )

    def forward(self, x):
        return self.layers(x)
'''
USER_CONFIGS = {
    "model/net/my_net.yaml": "# My one-hidden-layer MLP\n_target_: my_litlab_nets.TinyMLP\n"
    "hidden: 24\n",
    "experiment/my_experiment.yaml": "# @package _global_\n# My recipe: my net on the digits\n"
    "defaults:\n  - override /data: digits\n  - override /model/net: my_net\ntags: [mine]\n",
}


@pytest.fixture
def user_conf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The `hydra.searchpath=[file://...]` override of a user's config folder."""
    for name, text in USER_CONFIGS.items():
        (tmp_path / "my_conf" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "my_conf" / name).write_text(text)
    (tmp_path / "my_litlab_nets.py").write_text(USER_NET)
    monkeypatch.syspath_prepend(str(tmp_path))
    return f"hydra.searchpath=[file://{tmp_path / 'my_conf'}]"


def test_users_experiment_trains_the_users_net(user_conf, tmp_path, one_thread):
    summary = run_train([user_conf, "experiment=my_experiment", *TINY_RUN], tmp_path / "run")
    assert summary["status"] == "ok", summary.get("error")
    checkpoint = torch.load(summary["best_checkpoint"], weights_only=True)
    assert checkpoint["hyper_parameters"]["net"]["_target_"] == "my_litlab_nets.TinyMLP"
    weights = [v for k, v in checkpoint["state_dict"].items() if k.startswith("net.")]
    assert sum(w.numel() for w in weights) == 64 * 24 + 24 + 24 * 10 + 10  # 8x8 in, 10 out


def test_help_and_the_early_check_know_the_users_configs(user_conf):
    assert problem("train", [user_conf, "experiment=my_experiment"]) is None
    assert problem("train", [user_conf, "model/net=my_net"]) is None
    lines = help_text("train", [user_conf]).splitlines()
    assert any("my_experiment" in line and "My recipe" in line for line in lines)
    assert any("my_net" in line and "My one-hidden-layer MLP" in line for line in lines)
    assert "my_net" not in help_text("train")  # only with the searchpath given
