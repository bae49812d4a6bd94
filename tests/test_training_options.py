"""Every data / net / optimizer / scheduler / trainer option runs end to end (fast_dev_run)."""

from __future__ import annotations

import logging
import re

import pytest
import torch
from hydra import compose, initialize_config_dir

from litlab.conf_dir import conf_dir
from litlab.utils.summary import read_summary
from tests.conftest import REPO, compose_cfg, run_train
from tests.fakes import write_cifar, write_mnist

FAST = ["debug=fdr"]


def assert_ok(out_dir, *metrics: str) -> dict:
    summary = read_summary(out_dir)
    assert summary["status"] == "ok", summary
    for name in metrics:
        assert summary["metrics"][name] is not None, name
    return summary


@pytest.fixture(scope="module")
def fake_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    write_mnist(root)
    write_cifar(root, classes=10)
    write_cifar(root, classes=100)
    return root


@pytest.mark.parametrize("data", ["digits", "mnist", "cifar10", "cifar100"])
@pytest.mark.parametrize("net", ["mlp", "cnn", "resnet18"])
def test_every_net_on_every_image_dataset(tmp_path, fake_data, data, net):
    extra = ["model.net.width=8"] if net == "resnet18" else []
    run_train(
        [*FAST, f"data={data}", f"model/net={net}", f"paths.data_dir={fake_data}", *extra], tmp_path
    )
    assert_ok(tmp_path, "test/acc", "test/loss")


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_optimizers(tmp_path, optimizer):
    run_train([*FAST, f"model/optimizer={optimizer}"], tmp_path)
    assert_ok(tmp_path, "test/acc")


@pytest.mark.parametrize("scheduler", ["multistep", "cosine", "onecycle", "plateau", "none"])
def test_schedulers_step_the_learning_rate(tmp_path, scheduler):
    run_train(["debug=limit", f"model/scheduler={scheduler}", "logger=csv"], tmp_path)
    assert_ok(tmp_path, "test/acc")
    lines = (tmp_path / "csv" / "metrics.csv").read_text().splitlines()
    header = lines[0].split(",")
    if scheduler != "none":
        assert "lr-Adam" in header


def test_onecycle_runs_its_whole_schedule(tmp_path):
    """total_steps: null is filled with the run's optimizer steps; PyTorch raises on a step past
    the end, so a run that finishes has walked exactly the whole schedule."""
    from litlab.train import train

    cfg = compose_cfg(["debug=limit", "model/scheduler=onecycle"], tmp_path)
    train(cfg)
    last = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)
    (sched,) = last["lr_schedulers"]
    assert sched["total_steps"] == 10  # 2 epochs x 5 batches
    assert sched["last_epoch"] == 10


@pytest.mark.parametrize("activation", ["relu", "prelu", "leaky_relu", "elu", "tanh"])
def test_activations(tmp_path, activation):
    run_train([*FAST, f"model.net.image.activation={activation}"], tmp_path)
    assert_ok(tmp_path, "test/acc")


@pytest.mark.parametrize(
    "options",
    [
        ["model.net.image.dropout=0.5", "model.net.image.batch_norm=false"],
        ["model/net=mlp", "model.net.dropout=0.5", "model.net.activation=prelu"],
        ["model.l1=1e-5", "model.l2=1e-4"],
        ["model.label_smoothing=0.1"],
        ["model.class_weights=balanced"],
        ["model.class_weights=[1,1,1,1,1,2,2,2,2,2]"],
        ["model/net=mlp", "model.net.hidden=[32,32,32]"],
    ],
)
def test_regularisation_and_loss_options(tmp_path, options):
    run_train([*FAST, *options], tmp_path)
    assert_ok(tmp_path, "test/acc")


def test_balanced_class_weights_follow_training_frequencies():
    from litlab.models import Classifier

    spec = {
        "input_kind": "image",
        "input_shape": [1, 8, 8],
        "target": "class",
        "num_classes": 2,
        "class_counts": [30, 10],
    }
    model = Classifier(
        spec,
        {"_target_": "litlab.nets.MLP"},
        {"_target_": "torch.optim.SGD", "_partial_": True, "lr": 0.1},
        class_weights="balanced",
    )
    assert model.class_weights.tolist() == pytest.approx([40 / 60, 40 / 20])


@pytest.mark.parametrize(
    "options",
    [
        ["trainer=cpu"],
        ["trainer.precision=bf16-mixed"],
        ["trainer.gradient_clip_val=0.5"],
        ["trainer.gradient_clip_val=0.5", "trainer.gradient_clip_algorithm=value"],
        ["trainer.accumulate_grad_batches=2"],
        ["trainer.deterministic=true"],
    ],
)
def test_trainer_options(tmp_path, options):
    run_train(["debug=limit", *options], tmp_path)
    assert_ok(tmp_path, "test/acc")


@pytest.mark.parametrize("debug", ["fdr", "overfit", "limit", "profiler"])
def test_debug_modes(tmp_path, debug):
    extra = ["trainer.max_epochs=3"] if debug == "overfit" else []
    extra += ["trainer.limit_train_batches=3"] if debug == "profiler" else []
    run_train([f"debug={debug}", *extra], tmp_path)
    assert_ok(tmp_path, "test/acc")
    if debug == "profiler":
        assert list(tmp_path.glob("*profile*.txt"))


def test_overfitting_a_few_batches_drives_the_loss_down(tmp_path):
    run_train(["debug=overfit", "trainer.max_epochs=25", "model/scheduler=none"], tmp_path)
    summary = assert_ok(tmp_path, "train/loss")
    assert summary["metrics"]["train/loss"] < 0.05


def test_lr_finder_saves_its_plot_and_applies_the_suggestion(tmp_path):
    run_train(
        [
            "debug=limit",
            "trainer.limit_train_batches=20",
            "lr_finder.enabled=true",
            "lr_finder.num_training=30",
        ],
        tmp_path,
    )
    summary = assert_ok(tmp_path, "test/acc")
    assert (tmp_path / "figures" / "lr_finder.png").stat().st_size > 1000
    suggestion = summary["lr_suggestion"]
    assert 1e-6 <= suggestion <= 1.0
    ckpt = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)
    assert ckpt["hyper_parameters"]["optimizer"]["lr"] == pytest.approx(suggestion)


def test_lr_finder_sweeps_past_a_one_epoch_run(tmp_path, caplog):
    # 10 batches and 1 epoch of training must not cut the 30-step range test at step 10
    caplog.set_level(logging.INFO, logger="litlab.lr_finder")
    run_train(
        [
            "trainer.max_epochs=1",
            "trainer.limit_train_batches=10",
            "lr_finder.enabled=true",
            "lr_finder.num_training=30",
        ],
        tmp_path,
    )
    assert_ok(tmp_path, "test/acc")
    steps = re.search(r"LR finder suggests \S+ after (\d+) steps", caplog.text)
    assert steps is not None and int(steps.group(1)) > 10, caplog.text
    # and training itself still stops after its one epoch
    assert torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)["epoch"] == 0


@pytest.mark.parametrize(
    "experiment", sorted(p.stem for p in (REPO / "conf" / "experiment").glob("*.yaml"))
)
def test_every_experiment_runs_a_fast_dev_run(tmp_path, fake_data, experiment):
    run_train([f"experiment={experiment}", *FAST, f"paths.data_dir={fake_data}"], tmp_path)
    assert read_summary(tmp_path)["status"] == "ok"


@pytest.mark.parametrize(
    ("trainer", "expected"),
    [
        ("gpu", {"accelerator": "gpu", "devices": 1}),
        ("ddp", {"accelerator": "gpu", "strategy": "ddp", "sync_batchnorm": True}),
        ("ddp_cpu", {"accelerator": "cpu", "devices": 2, "strategy": "ddp"}),
    ],
)
def test_gpu_trainer_configs_compose(trainer, expected):
    """No GPU here: these are checked as configs; ddp_cpu runs the same DDP path in test_ddp.
    Composed as the user's command line gives them (compose_cfg would force the CPU)."""
    with initialize_config_dir(conf_dir(), version_base="1.3"):
        cfg = compose("train", overrides=[f"trainer={trainer}"])
    assert {k: cfg.trainer[k] for k in expected} == expected


def test_rich_progress_bar_and_model_summary(tmp_path):
    summary = "{_target_: pytorch_lightning.callbacks.RichModelSummary, max_depth: 2}"
    run_train(
        [*FAST, "trainer.enable_progress_bar=true", f"callbacks.model_summary={summary}"], tmp_path
    )
    assert read_summary(tmp_path)["status"] == "ok"
