"""A run is one story: a resumed run continues the same run, in its folder, to the same end."""

from __future__ import annotations

import csv
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from litlab.utils.summary import read_summary
from tests.conftest import REPO, CliProcess, run_cli, run_train, start_cli
from tests.fakes import write_mnist

# digits at batch 16: 81 steps an epoch, a few seconds each, so a kill lands mid-run
EXACT = [
    "trainer.max_epochs=4",
    "trainer.deterministic=true",
    "data.batch_size=16",
    "callbacks.early_stopping=null",
]
STEPS_PER_EPOCH = 81


def start(args: list[str], env: dict[str, str] | None = None) -> CliProcess:
    """`python train.py <args>` in the background, as a user would start it."""
    return start_cli("train.py", args, env)


def wait_for_checkpoint(path: Path, process: CliProcess, epoch: int) -> dict:
    """The content of `path` once it holds `epoch` (or later); it is always whole when read."""
    deadline = time.time() + 600
    while time.time() < deadline:
        assert process.poll() is None, f"the run ended first: {process.output()[1][-2000:]}"
        if path.is_file():
            checkpoint = torch.load(path, weights_only=True)
            if checkpoint["epoch"] >= epoch:
                return checkpoint
        time.sleep(0.05)
    raise TimeoutError(f"{path} never reached epoch {epoch}")


def column(folder: Path, name: str) -> dict[str, float]:
    """`name` by epoch (by step for values logged without an epoch) from the run's CSV log."""
    rows = list(csv.DictReader((folder / "csv" / "metrics.csv").open()))
    return {r["epoch"] or f"step {r['step']}": float(r[name]) for r in rows if r.get(name)}


def test_a_run_killed_mid_epoch_and_resumed_ends_exactly_as_the_uninterrupted_run(tmp_path):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    result = run_cli("train.py", [*EXACT, f"hydra.run.dir={whole}"])
    assert result.returncode == 0, result.stderr[-2000:]

    process = start([*EXACT, f"hydra.run.dir={killed}"])
    last = killed / "checkpoints" / "last.ckpt"
    wait_for_checkpoint(last, process, epoch=1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (killed / "summary.json").exists()

    # the README's resume line: only the checkpoint, no other option
    result = run_cli("train.py", [f"ckpt_path={last}"])
    assert result.returncode == 0, result.stderr[-2000:]
    expected, resumed = read_summary(whole), read_summary(killed)
    assert resumed["status"] == "ok"
    assert resumed["resumed_from"] == str(last)
    for name in ("test/acc", "test/loss", "val/acc_best", "val/loss"):
        assert resumed["metrics"][name] == expected["metrics"][name], name
    assert Path(resumed["best_checkpoint"]).parent == killed / "checkpoints"
    assert Path(resumed["best_checkpoint"]).name == Path(expected["best_checkpoint"]).name
    # the run's own config came back: the same overrides, then the checkpoint
    assert set(EXACT) <= set(resumed["overrides"])
    # one story in the logs: every epoch once, each value and learning rate as uninterrupted
    assert column(killed, "val/acc") == column(whole, "val/acc")
    assert column(killed, "lr-Adam") == column(whole, "lr-Adam")


def mnist_run(tmp_path: Path, *extra: str) -> tuple[Path, list[str]]:
    data = write_mnist(tmp_path / "data", n_train=320, n_test=64)
    args = ["data=mnist", f"paths.data_dir={data}", "model/net=mlp", *extra]
    run = tmp_path / "first"
    result = run_cli("train.py", [*args, "trainer.max_epochs=1", f"hydra.run.dir={run}"])
    assert result.returncode == 0, result.stderr[-2000:]
    return run, args


def test_extending_a_finished_mnist_run_rebuilds_its_data_model_and_schedule(tmp_path):
    run, _ = mnist_run(tmp_path)
    first = read_summary(run)
    last = run / "checkpoints" / "last.ckpt"

    # a conflicting choice is refused in one sentence and leaves the run as it was
    refused = f"hydra.run.dir={tmp_path / 'refused'}"  # not the clone's outputs/
    result = run_cli("train.py", [f"ckpt_path={last}", "data=digits", refused])
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr[-2000:]
    assert "started with data=mnist; data=digits would make it another experiment" in errors[0]
    assert read_summary(run) == first

    # more epochs for a finished run: its own data and model, the cosine rebuilt for 3 epochs
    result = run_cli("train.py", [f"ckpt_path={last}", "trainer.max_epochs=3"])
    assert result.returncode == 0, result.stderr[-2000:]
    assert "the CosineAnnealingLR schedule is rebuilt for T_max=3 (was 1)" in result.stdout
    extended = read_summary(run)
    assert extended["status"] == "ok"
    assert extended["config"]["data"]["_target_"] == "litlab.data.MNISTDataModule"
    assert "MNISTDataModule" in (run / ".hydra" / "config.yaml").read_text()
    assert torch.load(last, weights_only=True)["epoch"] == 2
    lr = column(run, "lr-Adam")
    base = 1e-3
    expected = [base * (1 + math.cos(math.pi * epoch / 3)) / 2 for epoch in range(3)]
    assert list(lr.values()) == pytest.approx(expected)


def test_extending_a_one_cycle_run_follows_the_new_total(tmp_path):
    overrides = ["model/scheduler=onecycle", "trainer.limit_train_batches=5"]
    run_train([*overrides, "trainer.max_epochs=1"], tmp_path / "first")
    last = tmp_path / "first" / "checkpoints" / "last.ckpt"
    # before: "Tried to step 6 times. The specified number of total steps is 5"
    result = run_train([*overrides, "trainer.max_epochs=3", f"ckpt_path={last}"], tmp_path / "more")
    assert result["status"] == "ok"
    run_train([*overrides, "trainer.max_epochs=3"], tmp_path / "planned")
    extended, planned = (
        torch.load(tmp_path / name / "checkpoints" / "last.ckpt", weights_only=True)
        for name in ("more", "planned")
    )
    assert extended["lr_schedulers"][0]["total_steps"] == 15
    assert extended["lr_schedulers"][0] == planned["lr_schedulers"][0]
    lrs = [s["optimizer_states"][0]["param_groups"][0]["lr"] for s in (extended, planned)]
    assert lrs[0] == pytest.approx(lrs[1], rel=1e-9)


def test_train_false_tests_the_checkpoint_it_is_given(tmp_path):
    run = tmp_path / "trained"
    trained = run_train(["trainer.max_epochs=3"], run)
    best = trained["best_checkpoint"]
    tested_in = tmp_path / "tested"
    result = run_cli("train.py", ["train=false", f"ckpt_path={best}", f"hydra.run.dir={tested_in}"])
    assert result.returncode == 0, result.stderr[-2000:]
    tested = read_summary(tested_in)
    assert tested["best_checkpoint"] == best
    assert tested["metrics"]["test/acc"] == trained["metrics"]["test/acc"]
    assert tested["metrics"]["test/loss"] == pytest.approx(trained["metrics"]["test/loss"])
    assert read_summary(run)["status"] == "ok"  # the trained run's folder is left alone


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGUSR1])
def test_a_preemption_signal_saves_a_checkpoint_and_marks_the_run_interrupted(tmp_path, signum):
    process = start(["trainer.max_epochs=50", "data.batch_size=16", f"hydra.run.dir={tmp_path}"])
    last = tmp_path / "checkpoints" / "last.ckpt"
    wait_for_checkpoint(last, process, epoch=0)
    process.send_signal(signum)
    assert process.wait(timeout=300) == 128 + signum
    summary = read_summary(tmp_path)
    assert summary["status"] == "interrupted"
    assert summary["error"] == (
        f"stopped by {signal.Signals(signum).name}; resume with ckpt_path={last}"
    )
    saved = torch.load(last, weights_only=True)
    assert saved["global_step"] > STEPS_PER_EPOCH  # where training stood, not the epoch's end
    if signum == signal.SIGTERM:
        result = run_cli("train.py", [f"ckpt_path={last}", "trainer.max_epochs=2"])
        assert result.returncode == 0, result.stderr[-2000:]
        assert read_summary(tmp_path)["status"] == "ok"
        assert torch.load(last, weights_only=True)["epoch"] == 1


SAVER = """
import sys, torch
from litlab.builders import build_trainer
from tests.conftest import compose_cfg
cfg = compose_cfg([], sys.argv[1])
trainer = build_trainer(cfg, [], [])
state = {"weights": torch.randn(25_000_000), "step": 0}
while True:
    state["step"] += 1
    trainer.strategy.checkpoint_io.save_checkpoint(state, sys.argv[2])
"""


def test_a_checkpoint_write_killed_part_way_leaves_the_previous_one_readable(tmp_path):
    # Lightning's own writer stages in the temp folder and copies across file systems
    python_path = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "TMPDIR": "/dev/shm", "PYTHONPATH": python_path}
    path = tmp_path / "last.ckpt"
    for attempt in range(6):
        process = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(tmp_path / "run"), str(path)], cwd=REPO, env=env
        )
        deadline = time.time() + 120
        while not path.is_file() and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.3 + 0.37 * attempt)  # somewhere inside a later write
        process.kill()
        process.wait()
        content = torch.load(path, weights_only=True)  # raises on a truncated file
        assert content["weights"].numel() == 25_000_000


def test_a_requeued_slurm_job_resumes_in_its_own_folder(tmp_path):
    # SLURM as Lightning sees it, with an scontrol that records the requeue it is asked for
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "scontrol").write_text(f'#!/bin/sh\necho "$@" >> {tmp_path / "scontrol.log"}\n')
    (bin_dir / "scontrol").chmod(0o755)
    slurm = {
        "SLURM_JOB_ID": "4242",
        "SLURM_JOB_NAME": "litlab-test",
        "SLURM_NTASKS": "1",
        "SLURM_NODELIST": "localhost",
        "SLURM_PROCID": "0",
        "SLURM_LOCALID": "0",
        "SLURM_NODEID": "0",
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
    }
    args = ["trainer.max_epochs=3", "data.batch_size=16", f"paths.log_dir={tmp_path}"]
    first = start(args, env=slurm)
    folder = tmp_path / "train" / "runs" / "slurm-4242"
    wait_for_checkpoint(folder / "checkpoints" / "last.ckpt", first, epoch=0)
    first.send_signal(signal.SIGUSR1)  # SLURM's warning before the time limit
    deadline = time.time() + 120
    while not (tmp_path / "scontrol.log").is_file() and time.time() < deadline:
        time.sleep(0.05)
    first.kill()  # SLURM ends the job at its limit
    first.wait()
    assert (tmp_path / "scontrol.log").read_text().split() == ["requeue", "4242"]
    assert read_summary(folder)["status"] == "interrupted"
    assert list(folder.glob("hpc_ckpt_*.ckpt"))

    # the requeued job runs the same command and comes back to the same folder
    requeued = run_cli("train.py", args, env=slurm)
    assert requeued.returncode == 0, requeued.stderr[-2000:]
    assert "hpc_ckpt_1.ckpt" in requeued.stdout + requeued.stderr
    assert [p.name for p in (tmp_path / "train" / "runs").iterdir()] == ["slurm-4242"]
    assert read_summary(folder)["status"] == "ok"
    assert torch.load(folder / "checkpoints" / "last.ckpt", weights_only=True)["epoch"] == 2


def test_after_a_run_the_signal_handlers_are_the_ones_before_it_and_hold_no_trainer(tmp_path):
    import gc
    import weakref

    import pytorch_lightning as pl

    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGUSR1)}
    trainers: list[weakref.ref] = []
    original_fit = pl.Trainer.fit

    def fit(self, *args, **kwargs):
        trainers.append(weakref.ref(self))
        return original_fit(self, *args, **kwargs)

    pl.Trainer.fit = fit
    try:
        for run in ("first", "second"):  # a CV loop's folds share a process like this
            run_train(["data=digits", "debug=limit", "trainer.max_epochs=1"], tmp_path / run)
    finally:
        pl.Trainer.fit = original_fit
    assert {s: signal.getsignal(s) for s in before} == before
    gc.collect()
    assert [ref() for ref in trainers] == [None, None]  # no handler chain keeps them alive
