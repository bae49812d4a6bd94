"""The console scripts (`python train.py`, `litlab-train`, ...): check the command line, then
run the task.

Only Hydra and the command-line check are imported here, so `--help`, `--cfg job` and a
mistyped option answer in about a second. A task's own imports (torch, Lightning, the chosen
data and model) happen once its command line composes, inside the Hydra function.
"""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from litlab.cli import launch
from litlab.conf_dir import conf_dir
from litlab.startup import task_imports


def print_config(cfg: DictConfig) -> None:
    if cfg.get("print_config"):
        from litlab.utils.print_config import print_config_tree

        print_config_tree(cfg)


@hydra.main(version_base="1.3", config_path=conf_dir(), config_name="train")
def run_train(cfg: DictConfig) -> float | None:
    """Fit, then test; returns the optimized metric to a sweeper."""
    with task_imports():
        from litlab.runner import run_task
        from litlab.train import train
        from litlab.utils.config import plain

    print_config(cfg)
    result = run_task(cfg, train)
    if result.get("status") in ("failed", "pruned"):  # a sweep's job with no objective: NaN
        return float("nan")
    value = result["metrics"].get(cfg.get("optimized_metric") or result.get("monitor"))
    return None if value is None else float(plain(value))


@hydra.main(version_base="1.3", config_path=conf_dir(), config_name="eval")
def run_eval(cfg: DictConfig) -> None:
    with task_imports():
        from litlab.eval import evaluate
        from litlab.runner import run_task

    print_config(cfg)
    run_task(cfg, evaluate)


@hydra.main(version_base="1.3", config_path=conf_dir(), config_name="sample")
def run_sample(cfg: DictConfig) -> None:
    with task_imports():
        from litlab.runner import run_or_explain
        from litlab.sample import sample

    run_or_explain(sample, cfg)


@hydra.main(version_base="1.3", config_path=conf_dir(), config_name="predict")
def run_predict(cfg: DictConfig) -> None:
    with task_imports():
        from litlab.predict import predict
        from litlab.runner import run_or_explain

    run_or_explain(predict, cfg)


@hydra.main(version_base="1.3", config_path=conf_dir(), config_name="demo")
def run_demo(cfg: DictConfig) -> None:
    with task_imports():
        from litlab.demo.app import serve
        from litlab.runner import run_or_explain

    run_or_explain(serve, cfg)


@hydra.main(version_base="1.3", config_path=conf_dir(), config_name="export")
def run_export(cfg: DictConfig) -> None:
    with task_imports():
        from litlab.export import export
        from litlab.runner import run_or_explain

    run_or_explain(export, cfg)


@hydra.main(version_base="1.3", config_path=conf_dir(), config_name="ensemble")
def run_ensemble(cfg: DictConfig) -> None:
    with task_imports():
        from litlab.ensemble import ensemble
        from litlab.runner import run_or_explain

    run_or_explain(ensemble, cfg)


def train() -> None:
    """`litlab-train`: fit a model on its data, then test the best checkpoint."""
    launch("train", run_train)


def evaluate() -> None:
    """`litlab-eval`: test a checkpoint on its data (or another)."""
    launch("eval", run_eval)


def sample() -> None:
    """`litlab-sample`: a PNG grid of a generative model's images."""
    launch("sample", run_sample, summary=False)  # sampling leaves no run folder


def predict() -> None:
    """`litlab-predict`: a trained model's predictions on images, CSV rows or a series."""
    launch("predict", run_predict, summary=False)


def demo() -> None:
    """`litlab-demo`: a local web page for a checkpoint's model (gradio)."""
    launch("demo", run_demo, summary=False)  # serving leaves no run folder


def export() -> None:
    """`litlab-export`: a checkpoint's model as ONNX, TorchScript or an ExportedProgram, checked."""
    launch("export", run_export, summary=False)


def ensemble() -> None:
    """`litlab-ensemble`: the mean prediction of several checkpoints on their test set."""
    launch("ensemble", run_ensemble, summary=False)


def report() -> None:
    """`litlab-report DIR`: a table, CSV, Markdown and figures of the runs under DIR."""
    with task_imports():
        from litlab.report.command import main

    raise SystemExit(main())
