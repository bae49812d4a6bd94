"""Every data / net / optimizer / scheduler / trainer option runs, and shows its effect: the
rate each schedule gives, the loss each loss option gives, the gradient clipping leaves, ..."""

from __future__ import annotations

import logging
import math
import re
from functools import partial

import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from hydra import compose, initialize_config_dir

from litlab.builders import build_datamodule, build_model
from litlab.conf_dir import conf_dir
from litlab.utils.summary import read_summary
from tests.conftest import REPO, compose_cfg, run_train
from tests.fakes import write_cifar, write_classes, write_mnist
from tests.probes import Probe

FAST = ["debug=fdr"]
PLAIN = ["debug=limit", "model/scheduler=none"]
PROBE = ["+callbacks.probe._target_=tests.probes.Probe"]


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
    write_classes(root / "folder", {"cat": 6, "dog": 6})
    return root


@pytest.mark.parametrize("data", ["digits", "mnist", "cifar10", "cifar100"])
@pytest.mark.parametrize("net", ["mlp", "cnn", "resnet18"])
def test_every_net_on_every_image_dataset(tmp_path, fake_data, data, net):
    extra = ["model.net.width=8"] if net == "resnet18" else []
    run_train(
        [*FAST, f"data={data}", f"model/net={net}", f"paths.data_dir={fake_data}", *extra], tmp_path
    )
    assert_ok(tmp_path, "test/acc", "test/loss")


@pytest.mark.parametrize(
    ("optimizer", "cls"),
    [
        ("sgd", torch.optim.SGD),
        ("adam", torch.optim.Adam),
        ("adamw", torch.optim.AdamW),
        ("rmsprop", torch.optim.RMSprop),
        ("adagrad", torch.optim.Adagrad),
    ],
)
def test_optimizers(tmp_path, optimizer, cls):
    _, model = built([f"model/optimizer={optimizer}"], tmp_path / "built")
    assert type(model.make_optimizer(model.hparams.optimizer, model.parameters())) is cls
    run_train([*FAST, f"model/optimizer={optimizer}"], tmp_path)
    assert_ok(tmp_path, "test/acc")


def logged(out_dir, column: str) -> list[float]:
    """The values of one column of the CSV logger's metrics.csv, in row order."""
    frame = pd.read_csv(out_dir / "csv" / "metrics.csv")
    return frame[column].dropna().tolist()


def reference_lrs(make, steps: int, lr: float = 1e-3, metrics=None) -> list[float]:
    """The rate a torch scheduler gives before each of `steps` steps (its own formula)."""
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    scheduler = make(optimizer)
    lrs = []
    for i in range(steps):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step(*([] if metrics is None else [metrics[i]]))
    return lrs


EPOCHS = ["debug=limit", "trainer.max_epochs=4", "logger=csv", "callbacks.early_stopping=null"]


def test_cosine_schedule_follows_its_formula(tmp_path):
    run_train([*EPOCHS, "model/scheduler=cosine"], tmp_path)
    expected = [1e-3 * (1 + math.cos(math.pi * e / 4)) / 2 for e in range(4)]  # T_max = 4 epochs
    assert logged(tmp_path, "lr-Adam") == pytest.approx(expected, rel=1e-6)


def test_multistep_schedule_divides_at_its_milestones(tmp_path):
    run_train([*EPOCHS, "model/scheduler=multistep", "model.scheduler.milestones=[1,3]"], tmp_path)
    assert logged(tmp_path, "lr-Adam") == pytest.approx([1e-3, 1e-4, 1e-4, 1e-5], rel=1e-6)


def test_onecycle_schedule_is_stepped_every_batch(tmp_path):
    run_train(
        [
            *EPOCHS,
            "model/scheduler=onecycle",
            "callbacks.lr_monitor.logging_interval=step",
            "trainer.log_every_n_steps=1",
        ],
        tmp_path,
    )
    lrs = logged(tmp_path, "lr-Adam")
    onecycle = partial(torch.optim.lr_scheduler.OneCycleLR, max_lr=1e-3, total_steps=20)
    assert lrs == pytest.approx(reference_lrs(onecycle, 20), rel=1e-5)  # 4 epochs x 5 batches
    assert lrs.index(max(lrs)) == 5  # the peak: step 0.3 * 20 - 1, as torch counts


def test_plateau_schedule_cuts_the_rate_when_the_monitored_metric_stalls(tmp_path):
    # mode=min on an accuracy that rises: every epoch is a stall, so the rate must fall
    options = ["model/scheduler=plateau", "model.scheduler.patience=0", "model.scheduler.mode=min"]
    run_train([*EPOCHS, *options], tmp_path)
    val_acc = logged(tmp_path, "val/acc")
    plateau = partial(torch.optim.lr_scheduler.ReduceLROnPlateau, mode="min", patience=0)
    expected = reference_lrs(plateau, 4, metrics=val_acc)
    assert logged(tmp_path, "lr-Adam") == pytest.approx(expected, rel=1e-6)
    assert expected[-1] < 1e-3


def test_no_schedule_keeps_the_rate(tmp_path):
    run_train([*EPOCHS, "model/scheduler=none"], tmp_path)
    assert logged(tmp_path, "lr-Adam") == pytest.approx([1e-3] * 4, rel=1e-9)


def test_onecycle_runs_its_whole_schedule(tmp_path):
    """total_steps: null is filled with the run's optimizer steps; PyTorch raises on a step past
    the end, so a run that finishes has walked exactly the whole schedule."""
    from litlab.tasks.train import experiment

    cfg = compose_cfg(["debug=limit", "model/scheduler=onecycle"], tmp_path)
    experiment(cfg)
    last = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)
    (sched,) = last["lr_schedulers"]
    assert sched["total_steps"] == 10  # 2 epochs x 5 batches
    assert sched["last_epoch"] == 10


@pytest.mark.parametrize(
    ("activation", "cls"),
    [
        ("relu", torch.nn.ReLU),
        ("prelu", torch.nn.PReLU),
        ("leaky_relu", torch.nn.LeakyReLU),
        ("elu", torch.nn.ELU),
        ("tanh", torch.nn.Tanh),
    ],
)
def test_activations(tmp_path, activation, cls):
    option = f"model.net.image.activation={activation}"
    _, model = built([option], tmp_path / "built")
    kinds = {type(m) for m in model.net.modules() if type(m).__module__.endswith("activation")}
    assert kinds == {cls}, kinds
    run_train([*FAST, option], tmp_path)
    assert_ok(tmp_path, "test/acc")


def built(overrides: list[str], tmp_path) -> tuple:
    """The datamodule (set up) and model `python train.py <overrides>` would train."""
    cfg = compose_cfg(overrides, tmp_path)
    dm = build_datamodule(cfg)
    return dm, build_model(cfg, dm.spec)


def first_batch(dm) -> tuple[torch.Tensor, torch.Tensor]:
    return dm.on_after_batch_transfer(next(iter(dm.train_dataloader())), 0)


def net_weights(checkpoint) -> list[torch.Tensor]:
    """The penalised parameters: weights of the net, not biases or norm-layer vectors."""
    state = torch.load(checkpoint, weights_only=True)["state_dict"]
    return [v for k, v in state.items() if k.startswith("net.") and v.ndim > 1]


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory):
    """A short seeded run without any of the options below, to compare with."""
    out_dir = tmp_path_factory.mktemp("plain")
    run_train([*PLAIN, *PROBE], out_dir)
    return out_dir, Probe.last


@pytest.mark.parametrize(("option", "power"), [("model.l1=1e-2", 1), ("model.l2=0.1", 2)])
def test_l1_and_l2_shrink_the_weights(tmp_path, plain_run, option, power):
    """The same seeded run with the penalty ends with a smaller L1 (L2) weight norm."""
    run_train([*PLAIN, option], tmp_path)
    norms = {
        name: sum(
            w.abs().pow(power).sum() for w in net_weights(folder / "checkpoints" / "last.ckpt")
        )
        for name, folder in (("plain", plain_run[0]), ("penalised", tmp_path))
    }
    assert norms["penalised"] < 0.95 * norms["plain"], norms


def test_l1_and_l2_are_added_to_the_training_loss_exactly(tmp_path):
    dm, model = built(["model.l1=1e-3", "model.l2=1e-2"], tmp_path)
    x, y = first_batch(dm)
    model.eval()  # the same dropout (none) for both computations
    weights = [p for p in model.net.parameters() if p.ndim > 1]
    cross_entropy = F.cross_entropy(model(x), y)
    expected = 1e-3 * sum(w.abs().sum() for w in weights) + 1e-2 * sum(
        w.pow(2).sum() for w in weights
    )
    model.log = lambda *args, **kwargs: None  # no trainer to log to
    assert model.training_step((x, y), 0).item() == pytest.approx(
        (cross_entropy + expected).item(), rel=1e-6
    )
    assert expected.item() > 0.01 * cross_entropy.item()  # large enough to be seen


def test_label_smoothing_gives_the_smoothed_cross_entropy(tmp_path):
    """(1 - eps) * CE + eps * the mean over classes of -log p."""
    dm, model = built(["model.label_smoothing=0.2"], tmp_path)
    x, y = first_batch(dm)
    model.eval()
    with torch.no_grad():
        log_p = model(x).log_softmax(dim=1)
        loss, _, _ = model.shared_step((x, y))
    nll = -log_p.gather(1, y[:, None]).mean()
    uniform = -log_p.mean()
    assert loss.item() == pytest.approx((0.8 * nll + 0.2 * uniform).item(), rel=1e-5)
    assert abs(loss.item() - nll.item()) > 1e-3


def test_label_smoothing_keeps_the_loss_above_its_floor(tmp_path):
    """With eps = 0.1 over 10 classes the best target is 0.91 / 0.01, whose entropy (0.500)
    no model can beat; without smoothing the same overfit run goes below 0.05."""
    overfit = ["debug=overfit", "trainer.max_epochs=25", "model/scheduler=none"]
    result = run_train([*overfit, "model.label_smoothing=0.1"], tmp_path)
    floor = -(0.91 * math.log(0.91) + 9 * 0.01 * math.log(0.01))
    assert floor - 1e-4 <= result["metrics"]["train/loss"] < floor + 0.1


@pytest.mark.parametrize("weights", ["[1,1,1,1,1,4,4,4,4,4]", "balanced"])
def test_class_weights_give_the_weighted_cross_entropy(tmp_path, weights):
    """sum_i w[y_i] * CE_i / sum_i w[y_i]."""
    dm, model = built([f"model.class_weights={weights}"], tmp_path)
    x, y = first_batch(dm)
    w = model.class_weights
    if weights != "balanced":
        assert w.tolist() == [1.0] * 5 + [4.0] * 5
    model.eval()
    with torch.no_grad():
        per_row = F.cross_entropy(model(x), y, reduction="none")
        loss, _, _ = model.shared_step((x, y))
    assert loss.item() == pytest.approx(((w[y] * per_row).sum() / w[y].sum()).item(), rel=1e-5)
    if weights != "balanced":  # digits' classes are near balanced, so only the list moves it
        assert abs(loss.item() - per_row.mean().item()) > 1e-4


@pytest.mark.parametrize(
    ("options", "check"),
    [
        (
            ["model.net.image.dropout=0.5", "model.net.image.batch_norm=false"],
            lambda net: (
                {m.p for m in net.modules() if isinstance(m, torch.nn.Dropout)} == {0.5}
                and not any(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())
            ),
        ),
        (
            ["model/net=mlp", "model.net.dropout=0.5", "model.net.activation=prelu"],
            lambda net: (
                {m.p for m in net.modules() if isinstance(m, torch.nn.Dropout)} == {0.5}
                and any(isinstance(m, torch.nn.PReLU) for m in net.modules())
            ),
        ),
        (
            ["model/net=mlp", "model.net.hidden=[32,32,32]"],
            lambda net: (
                [m.out_features for m in net.modules() if isinstance(m, torch.nn.Linear)]
                == [32, 32, 32, 10]
            ),
        ),
    ],
)
def test_net_options_build_the_net_they_name(tmp_path, options, check):
    _, model = built(options, tmp_path)
    assert check(model.net), model.net
    run_train([*FAST, *options], tmp_path / "run")  # and it trains
    assert_ok(tmp_path / "run", "test/acc")


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


@pytest.mark.parametrize("algorithm", ["norm", "value"])
def test_gradient_clipping_bounds_the_gradient_the_optimizer_steps_with(tmp_path, algorithm):
    run_train(
        [
            "debug=limit",
            *PROBE,
            "trainer.gradient_clip_val=0.05",
            f"trainer.gradient_clip_algorithm={algorithm}",
        ],
        tmp_path,
    )
    probe = Probe.last
    before, after = (
        (probe.before_clip, probe.stepped)
        if algorithm == "norm"
        else (probe.max_before_clip, probe.max_stepped)
    )
    assert len(after) == 10
    assert max(before) > 0.1  # clipping had work to do
    assert max(after) <= 0.05 * (1 + 1e-5)


def test_accumulation_steps_once_per_n_batches_as_one_n_times_larger_batch(tmp_path):
    """Two accumulated batches of 32 give the update of one batch of 64 (same rows: the
    shuffled order does not depend on the batch size), and differ from one batch of 32."""
    common = [
        "model/net=mlp",
        "model.net.batch_norm=false",
        "model.net.dropout=0",
        "model/optimizer=sgd",
        "model.optimizer.momentum=0",
        "model.optimizer.nesterov=false",
        "model.optimizer.weight_decay=0",
        "model.optimizer.lr=0.5",
        "model/scheduler=none",
        "trainer.max_epochs=1",
        "trainer.limit_val_batches=1",
        "test=false",
        *PROBE,
    ]
    runs = {
        "accumulated": ["data.batch_size=32", "trainer.accumulate_grad_batches=2"],
        "large": ["data.batch_size=64"],
        "small": ["data.batch_size=32"],
    }
    batches = {"accumulated": 4, "large": 2, "small": 2}
    weights, steps = {}, {}
    for name, options in runs.items():
        limit = f"trainer.limit_train_batches={batches[name]}"
        run_train([*common, *options, limit], tmp_path / name)
        state = torch.load(tmp_path / name / "checkpoints" / "last.ckpt", weights_only=True)
        weights[name] = torch.cat([v.flatten() for v in state["state_dict"].values()])
        steps[name] = Probe.last.global_steps
    assert steps["accumulated"] == [0, 1, 1, 2]  # one optimizer step per two batches
    assert steps["large"] == [1, 2]
    assert torch.allclose(weights["accumulated"], weights["large"], atol=1e-5)
    assert not torch.allclose(weights["small"], weights["large"], atol=1e-3)


def test_bf16_mixed_precision_runs_the_layers_in_bf16(tmp_path, plain_run):
    run_train([*PLAIN, *PROBE, "trainer.precision=bf16-mixed"], tmp_path)
    assert Probe.last.output_dtypes == {torch.bfloat16}
    assert plain_run[1].output_dtypes == {torch.float32}


def test_deterministic_trainer_repeats_a_run_exactly(tmp_path):
    states = []
    for name in ("first", "second"):
        run_train(["debug=limit", *PROBE, "trainer.deterministic=true"], tmp_path / name)
        assert Probe.last.deterministic is True
        states.append(torch.load(tmp_path / name / "checkpoints" / "last.ckpt", weights_only=True))
    first, second = (s["state_dict"] for s in states)
    assert all(torch.equal(first[k], second[k]) for k in first)


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
    # what a user must add to these experiments: their folder (and, offline, no download)
    extra = {
        "image_folder_finetune": [
            f"data.path={fake_data / 'folder'}",
            "data.image_size=32",
            "model.net.pretrained=null",
        ],
    }.get(experiment, [])
    run_train([f"experiment={experiment}", *FAST, f"paths.data_dir={fake_data}", *extra], tmp_path)
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


def test_a_fast_dev_run_draws_no_loss_curves_and_one_epoch_does(tmp_path):
    run_train(["data=digits", *FAST], tmp_path / "fdr")
    run_train(["data=digits", *PLAIN, "trainer.max_epochs=1"], tmp_path / "epoch")
    assert_ok(tmp_path / "fdr")
    assert not (tmp_path / "fdr" / "figures" / "loss_curves.png").exists()
    assert (tmp_path / "fdr" / "figures" / "confusion_matrix.png").is_file()  # others still draw
    assert (tmp_path / "epoch" / "figures" / "loss_curves.png").stat().st_size > 1000


@pytest.mark.parametrize(
    ("model", "drawn"),
    [
        ("classifier", {"LossCurves", "ConfusionMatrixFigure"}),
        ("vae", {"LossCurves", "ReconstructionGrid", "LatentSpaceFigures", "SampleProgress"}),
    ],
)
def test_only_the_figures_a_model_can_draw_are_built(tmp_path, model, drawn):
    from litlab.builders import build_callbacks
    from litlab.callbacks.figures import FigureCallback

    cfg = compose_cfg(["data=digits", f"model={model}"], tmp_path)
    datamodule = build_datamodule(cfg)
    datamodule.setup("fit")
    callbacks = build_callbacks(cfg, build_model(cfg, datamodule.spec), with_logger=True)
    built = {type(c).__name__ for c in callbacks if isinstance(c, FigureCallback)}
    assert built == drawn
