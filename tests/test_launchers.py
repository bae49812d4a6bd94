"""Launchers: `launcher=slurm` submits a sweep as a SLURM job array (composed and turned into
sbatch text here: no cluster), whose jobs land in the sweep's folder and resume after a
preemption; `launcher=joblib` runs for real in tests/test_wandb.py."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import HydraContext
from hydra.utils import instantiate
from omegaconf import DictConfig
from submitit.core.utils import DelayedSubmission
from submitit.slurm.slurm import SlurmExecutor

from litlab.conf_dir import conf_dir
from litlab.resume import resume_overrides
from litlab.tasks import train as train_task
from tests.conftest import FEW_BATCHES, run_train
from tests.probes import Probe


class Submitted(Exception):
    """Stops the launcher where it would call sbatch."""


def submit(cfg: DictConfig, sweep: list[list[str]], monkeypatch: pytest.MonkeyPatch) -> str:
    """The sbatch text the SLURM launcher of `cfg` submits for `sweep` (sbatch never runs)."""
    scripts = []

    def fake_submit(executor: SlurmExecutor, command: str) -> None:
        scripts.append(executor._make_submission_file_text(command, "uid"))
        raise Submitted

    monkeypatch.setattr(SlurmExecutor, "_submit_command", fake_submit)
    monkeypatch.setattr(SlurmExecutor, "affinity", classmethod(lambda cls: 2))  # "srun is here"
    launcher = instantiate(cfg.hydra.launcher)
    context = HydraContext(config_loader=GlobalHydra.instance().hydra.config_loader, callbacks=None)
    launcher.setup(hydra_context=context, task_function=train_task.run, config=cfg)
    with pytest.raises(Submitted):
        launcher.launch(sweep, initial_job_idx=0)
    return scripts[0]


def sbatch_options(script: str) -> dict[str, str]:
    """`#SBATCH --key=value` lines as {key: value} (a bare `--flag` as {flag: ""})."""
    lines = [
        line[len("#SBATCH --") :] for line in script.splitlines() if line.startswith("#SBATCH --")
    ]
    return {key: value for key, _, value in (line.partition("=") for line in lines)}


@pytest.mark.parametrize(("nodes", "gpus"), [(1, 1), (2, 4)])
def test_slurm_launcher_settings_make_the_sbatch_job_and_the_trainer(
    nodes, gpus, tmp_path, monkeypatch
):
    overrides = [
        "launcher=slurm",
        f"hydra.launcher.nodes={nodes}",
        f"hydra.launcher.gpus_per_node={gpus}",
        "hydra.launcher.partition=gpu",
        "hydra.launcher.account=lab",
        "hydra.launcher.timeout_min=90",
        "hydra.launcher.array_parallelism=1",
        "hydra.launcher.setup=[module load cuda/12.4]",
        f"paths.log_dir={tmp_path}",
    ]
    with initialize_config_dir(conf_dir(), version_base="1.3"):
        cfg = compose("train", overrides=overrides, return_hydra_config=True)
        HydraConfig.instance().set_config(cfg)
        launcher = cfg.hydra.launcher
        assert (launcher.nodes, launcher.gpus_per_node, launcher.tasks_per_node) == (
            nodes,
            gpus,
            gpus,  # one task per GPU: Lightning's SLURMEnvironment reads its rank from the task
        )
        trainer = cfg.trainer
        assert (trainer.num_nodes, trainer.devices, trainer.accelerator) == (nodes, gpus, "gpu")
        assert trainer.strategy == ("ddp" if nodes * gpus > 1 else "auto")

        task = list(cfg.hydra.overrides.task)  # each job's overrides, as Hydra's sweeper makes them
        script = submit(cfg, [[*task, "seed=1"], [*task, "seed=2"]], monkeypatch)
        options = sbatch_options(script)
        assert options["nodes"] == str(nodes)
        assert options["ntasks-per-node"] == str(gpus)
        assert options["gpus-per-node"] == str(gpus)
        assert options["cpus-per-task"] == "8"
        assert options["mem"] == "64GB"
        assert options["time"] == "90"
        assert options["partition"] == "gpu"
        assert options["account"] == "lab"
        assert options["array"] == "0-1%1"  # the sweep is one job array, one job at a time
        assert options["signal"] == "USR1@120"  # Lightning's auto-requeue signal
        assert "requeue" in options
        assert options["job-name"] == "train"  # not bash/interactive: Lightning detects SLURM
        assert "srun" in script  # SLURM starts every task: Lightning launches no processes
        assert script.index("module load cuda/12.4") < script.index("srun")

        # an array task rebuilds its job's config from the pickled launcher: it must land in
        # the sweep folder made at submission, not in one named after its own job id
        pickled = next((tmp_path / "train" / "multiruns").glob("*/.submitit/*.pkl"))
        job = DelayedSubmission.load(pickled)
        slurm = {"SLURM_JOB_ID": "78", "SLURM_ARRAY_JOB_ID": "77", "SLURM_ARRAY_TASK_ID": "1"}
        for key, value in {**slurm, "SLURM_JOB_NAME": "train"}.items():
            monkeypatch.setenv(key, value)
        launcher = job.function
        loader = launcher.hydra_context.config_loader
        job_cfg = loader.load_sweep_config(launcher.config, job.args[0])
        sweep_dir = Path(str(cfg.hydra.sweep.dir))
        assert Path(str(job_cfg.hydra.sweep.dir)) == sweep_dir == pickled.parent.parent


# launcher=joblib runs for real in tests/test_wandb.py: one parallel sweep checks both the
# shared sweep folder and the W&B group (a sweep's worker processes cost CI time)


class PreemptAt(pl.Callback):
    """SIGTERM to this process after `step` optimizer steps, as SLURM preempting a job."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.global_step == self.step:
            os.kill(os.getpid(), signal.SIGTERM)


def test_a_preempted_slurm_job_saves_where_it_stood_and_its_requeue_resumes_there(
    tmp_path, monkeypatch
):
    # a SLURM batch task as Lightning sees it (SLURMEnvironment, auto-requeue on)
    slurm = {"SLURM_JOB_ID": "4343", "SLURM_JOB_NAME": "train", "SLURM_NTASKS": "1"}
    slurm |= {"SLURM_NODELIST": "localhost", "SLURM_PROCID": "0", "SLURM_LOCALID": "0"}
    for key, value in {**slurm, "SLURM_NODEID": "0"}.items():
        monkeypatch.setenv(key, value)
    run = [*FEW_BATCHES, "trainer.max_epochs=2", "callbacks.loss_curves=null"]
    preempt = [
        "+callbacks.preempt._target_=tests.test_launchers.PreemptAt",
        "+callbacks.preempt.step=2",
    ]
    with pytest.raises(SystemExit) as stopped:
        run_train([*run, *preempt], tmp_path)
    assert stopped.value.code == 128 + signal.SIGTERM
    # the checkpoint Lightning resumes from by itself when SLURM starts the job again
    saved = torch.load(tmp_path / "hpc_ckpt_1.ckpt", weights_only=True)
    assert saved["global_step"] == 2

    # the requeued job: the same command in the same folder goes on from step 2
    run_train([*run, "+callbacks.probe._target_=tests.probes.Probe"], tmp_path)
    assert Probe.last.global_steps[0] == 3
    assert torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)["global_step"] == 6


def test_resuming_by_hand_from_an_hpc_checkpoint_continues_in_its_run_folder(tmp_path):
    # a cluster that cancels preempted jobs: `ckpt_path=<run>/hpc_ckpt_<n>.ckpt` by hand
    (tmp_path / ".hydra").mkdir()
    (tmp_path / ".hydra" / "overrides.yaml").write_text("- seed=5\n")
    checkpoint = tmp_path / "hpc_ckpt_1.ckpt"
    torch.save({}, checkpoint)
    command = resume_overrides([f"ckpt_path={checkpoint}"])
    assert command == ["seed=5", f"ckpt_path={checkpoint}", f"hydra.run.dir={tmp_path}"]


@pytest.mark.parametrize(
    ("stderr", "option"),
    [  # what sbatch 22.05 said on a one-node CPU cluster (scripts/local_slurm.sh)
        ("sbatch: error: Invalid generic resource (gres) specification", "gpus_per_node"),
        (
            "sbatch: error: invalid partition specified: nope\n"
            "sbatch: error: Batch job submission failed: Invalid partition name specified",
            "partition",
        ),
        (
            "sbatch: error: Memory specification can not be satisfied\n"
            "sbatch: error: Batch job submission failed: Requested node configuration is not "
            "available",
            "mem_gb",
        ),
        (
            "sbatch: error: Batch job submission failed: Requested time limit is invalid "
            "(missing or exceeds some limit)",
            "timeout_min",
        ),
        (
            "sbatch: error: Batch job submission failed: Invalid account or account/partition "
            "combination specified",
            "account",
        ),
    ],
)
def test_an_sbatch_refusal_is_one_sentence_naming_the_option(stderr, option):
    from hydra_plugins.litlab_slurm.launcher import sbatch_error

    sentence = sbatch_error(stderr)
    assert sentence.startswith("sbatch refused the jobs (")
    assert f"set hydra.launcher.{option};" in sentence
    assert "\n" not in sentence
