"""Shared test helpers: compose and run the real Hydra configs, in-process or as a user would."""

from __future__ import annotations

import atexit
import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import tempfile
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
# one short epoch that still writes checkpoints (debug=fdr writes none)
FEW_BATCHES = [
    "trainer.max_epochs=1",
    "trainer.limit_train_batches=3",
    "trainer.limit_val_batches=1",
    "trainer.limit_test_batches=1",
]


# Under pytest-xdist every worker trains at once: one thread each (and in the Python processes
# they start) keeps N workers on N cores from spin-waiting on each other's threads.
PARALLEL = os.environ.get("PYTEST_XDIST_WORKER") is not None
if PARALLEL:
    torch.set_num_threads(1)


def quiet(config_name: str) -> list[str]:
    if config_name in ("sample", "predict", "demo", "export", "report", "ensemble"):  # no trainer
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
        if in_ci():
            pytest.fail(f"{reason}; CI needs it (a checkout of ../shared beside the repo)")
        pytest.skip(f"{reason}; set it up beside the repo to run the real-data tests")
    return root


def in_ci() -> bool:
    """The `CI` variable is set (`.ci/run` sets it): what a test needs and lacks is a failure
    there, never a skip."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


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
    from litlab.outcome import run_task
    from litlab.tasks.train import experiment

    return run_task(compose_cfg(overrides, out_dir), experiment)


def run_cli(
    script: str, args: list[str], env: dict[str, str] | None = None, timeout: int = 900
) -> subprocess.CompletedProcess:
    """Run `python <script> <args>` from the repo root as a user would (in a child forked from
    a Python that has torch and Lightning imported already: tests/cli_server.py)."""
    flags = [a for a in args if a.startswith("-")]  # Hydra's flags (-m, --cfg) come first
    overrides = [a for a in args if not a.startswith("-")]
    argv = [script, *flags, *quiet(Path(script).stem), *overrides]
    return CLI_SERVER.run(argv, {**os.environ, **(env or {})}, timeout)


def start_cli(script: str, args: list[str], env: dict[str, str] | None = None) -> CliProcess:
    """`run_cli` in the background: the command runs on while the test watches it."""
    argv = [script, *quiet(Path(script).stem), *args]
    return CLI_SERVER.spawn(argv, {**os.environ, **(env or {})})


class CliServer:
    """This test process's `tests/cli_server.py`, started on first use."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None

    def start(self) -> subprocess.Popen:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                [sys.executable, str(Path(__file__).with_name("cli_server.py"))],
                cwd=REPO,
                env=dict(os.environ),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            self.answer(self.process, 600)  # {"ready": true}
        return self.process

    @staticmethod
    def answer(process: subprocess.Popen, timeout: float) -> dict:
        ready, _, _ = select.select([process.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("tests/cli_server.py ended without answering")
        return json.loads(line)

    def request(self, message: dict, timeout: float = 60) -> dict:
        process = self.start()
        process.stdin.write(json.dumps(message) + "\n")
        process.stdin.flush()
        return self.answer(process, timeout)

    def spawn(self, argv: list[str], env: dict[str, str]) -> CliProcess:
        """`python <argv>` started in the background, like `subprocess.Popen`."""
        folder = tempfile.mkdtemp()
        out, err = Path(folder) / "stdout", Path(folder) / "stderr"
        request = {"argv": argv, "env": env, "cwd": str(REPO), "stdout": str(out)}
        pid = self.request({**request, "stderr": str(err), "background": True})["pid"]
        return CliProcess(self, pid, [sys.executable, *argv], Path(folder))

    def run(
        self, argv: list[str], env: dict[str, str], timeout: float
    ) -> subprocess.CompletedProcess:
        process = self.spawn(argv, env)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(60)
            raise subprocess.TimeoutExpired(process.args, timeout, *process.output()) from None
        return subprocess.CompletedProcess(process.args, process.returncode, *process.output())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=30)


class CliProcess:
    """A command the CLI server runs in the background: what tests use of `subprocess.Popen`
    (pid, poll, wait, send_signal, kill), its output read once it has ended."""

    def __init__(self, server: CliServer, pid: int, args: list[str], folder: Path) -> None:
        self.server, self.pid, self.args, self.folder = server, pid, args, folder
        self.returncode: int | None = None
        self.waiting = False  # a wait that timed out: its answer comes when the command ends

    def poll(self) -> int | None:
        if self.returncode is None and not self.waiting:
            self.returncode = self.server.request({"poll": self.pid})["returncode"]
        return self.returncode

    def wait(self, timeout: float = 900) -> int:
        if self.returncode is None:
            try:
                if self.waiting:
                    answer = self.server.answer(self.server.start(), timeout)
                else:
                    self.waiting = True
                    answer = self.server.request({"wait": self.pid}, timeout)
            except TimeoutError:
                raise subprocess.TimeoutExpired(self.args, timeout) from None
            self.returncode, self.waiting = answer["returncode"], False
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        """SIGKILL to the whole process group (the command and anything it started)."""
        if self.returncode is None:
            os.killpg(self.pid, signal.SIGKILL)

    def output(self) -> tuple[str, str]:
        """(stdout, stderr) of an ended command; its files are removed."""
        texts = tuple((self.folder / name).read_text() for name in ("stdout", "stderr"))
        shutil.rmtree(self.folder, ignore_errors=True)
        return texts


CLI_SERVER = CliServer()
atexit.register(CLI_SERVER.stop)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first, so that under `-n 2` the minutes-long ones start at once and the
    short ones fill in around them, instead of one long test running alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_configure(config: pytest.Config) -> None:
    """One fresh seed per session for the property tests (test_csv_properties), shared with
    the xdist workers through the environment they inherit; a given one repeats a run."""
    os.environ.setdefault("LITLAB_HYPOTHESIS_SEED", str(random.randrange(2**32)))


def pytest_report_header(config: pytest.Config) -> str:
    seed = os.environ["LITLAB_HYPOTHESIS_SEED"]
    return f"property tests: LITLAB_HYPOTHESIS_SEED={seed} (set it to repeat this draw)"
