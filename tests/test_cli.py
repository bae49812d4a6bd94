"""The command line as a user meets it: bad input, resume, eval, console script."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
import torch

from litlab.utils.summary import read_summary
from tests.conftest import run_cli, run_train
from tests.fakes import write_mnist

QUICK = ["trainer.max_epochs=1", "debug=limit"]


def assert_fails_with(result, out_dir: Path, *phrases: str) -> str:
    """Exit code 1, one `error:` line on stderr naming `phrases`, summary.json failed."""
    assert result.returncode == 1, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["status"] == "failed"
    for phrase in phrases:
        assert phrase in errors[0]
        assert phrase in summary["error"]
    assert not list(out_dir.glob("checkpoints/*.ckpt"))
    return errors[0]


@pytest.mark.parametrize(
    ("override", "phrases"),
    [
        ("model.no_such_option=1", ["'model.no_such_option' is not a config option"]),
        ("model=no_such_model", ["'no_such_model' is not a choice", "'model'", "classifier"]),
        ("model/net=no_such_net", ["'no_such_net' is not a choice", "'model/net'", "resnet18"]),
        ("data=[1", ["could not parse the override 'data=[1'"]),
        ("trainer.max_epochs=abc", ["trainer.max_epochs takes a number (default 10)"]),
        ("data.batch_size=big", ["data.batch_size takes a number"]),
        ("test=maybe", ["test takes true or false"]),
    ],
)
def test_config_mistakes_get_one_sentence_and_a_failed_summary(tmp_path, override, phrases):
    result = run_cli("train.py", [override, f"hydra.run.dir={tmp_path}"])
    assert_fails_with(result, tmp_path, *phrases)


def test_a_mandatory_option_left_out_is_named(tmp_path):
    result = run_cli("eval.py", [f"hydra.run.dir={tmp_path}"])
    assert_fails_with(result, tmp_path, "ckpt_path must be set: python eval.py ckpt_path=...")


def test_options_that_take_words_or_numbers_keep_both(tmp_path):
    # trainer.devices defaults to 1 but takes "auto"; a fraction where the default is a count
    overrides = ["trainer.devices=auto", "trainer.limit_train_batches=0.1"]
    result = run_cli("train.py", [*QUICK, *overrides, f"hydra.run.dir={tmp_path}"])
    assert result.returncode == 0, result.stderr[-2000:]
    assert read_summary(tmp_path)["status"] == "ok"


@pytest.mark.parametrize(
    ("sweep", "phrases"),
    [
        (["model=classifier,vea"], ["'vea' is not a choice", "'model'"]),
        (["seed=1,2", "model.no_such_option=1"], ["'model.no_such_option' is not a config"]),
        (["model.optimizer.lr=1e-3,2e-3", "data=digits,no_such_data"], ["'no_such_data'"]),
        (["trainer.max_epochs=1,x"], ["trainer.max_epochs=x: trainer.max_epochs takes a number"]),
    ],
)
def test_a_sweep_with_a_bad_value_stops_before_any_job(tmp_path, sweep, phrases):
    result = run_cli("train.py", ["-m", *sweep, f"hydra.sweep.dir={tmp_path}"])
    assert_fails_with(result, tmp_path, *phrases)
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_a_model_that_does_not_fit_the_data_stops_before_training(tmp_path):
    result = run_cli("train.py", ["model=forecaster", f"hydra.run.dir={tmp_path}"])
    assert_fails_with(result, tmp_path, "model=forecaster needs", "data=digits gives")


def test_missing_dataset_names_the_folder_and_files(tmp_path):
    # torchvision's real download runs and meets the tests' network guard (tests/offline),
    # failing at once as it would on an offline machine
    empty = tmp_path / "empty"
    result = run_cli(
        "train.py", ["data=mnist", f"paths.data_dir={empty}", f"hydra.run.dir={tmp_path / 'run'}"]
    )
    assert_fails_with(
        result, tmp_path / "run", "MNIST is not in", "could not be downloaded", "train-images-idx3"
    )


def test_corrupt_dataset_file_is_named(tmp_path):
    write_mnist(tmp_path / "data")
    images = tmp_path / "data" / "MNIST" / "raw" / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:1000])  # truncated download
    result = run_cli(
        "train.py",
        ["data=mnist", f"paths.data_dir={tmp_path / 'data'}", f"hydra.run.dir={tmp_path / 'run'}"],
    )
    assert_fails_with(result, tmp_path / "run", "train-images-idx3-ubyte")


@pytest.mark.parametrize("script", ["train.py", "eval.py"])
def test_ckpt_path_to_a_missing_file(tmp_path, script):
    missing = tmp_path / "nope.ckpt"
    result = run_cli(script, [f"ckpt_path={missing}", f"hydra.run.dir={tmp_path}"])
    assert_fails_with(result, tmp_path, f"ckpt_path={missing} does not exist")


@pytest.mark.parametrize("script", ["eval.py", "predict.py"])
def test_a_checkpoint_litlab_did_not_write_gets_one_sentence(tmp_path, script):
    foreign = tmp_path / "foreign.ckpt"
    torch.save({"state_dict": {}, "litlab_config": {"data": {"_target_": "x"}}}, foreign)
    run = tmp_path / "run"
    args = [f"ckpt_path={foreign}", f"hydra.run.dir={run}", f"inputs={tmp_path}"]
    result = run_cli(script, args[:2] if script == "eval.py" else [args[0], args[2]])
    assert result.returncode == 1, result.stderr[-2000:]
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: {foreign} was not written by litlab (no model recorded in it)."
    )


def test_eval_reproduces_the_test_metrics_of_its_checkpoint(tmp_path):
    run_train(["trainer.max_epochs=2"], tmp_path / "train")
    trained = read_summary(tmp_path / "train")
    result = run_cli(
        "eval.py", [f"ckpt_path={trained['best_checkpoint']}", f"hydra.run.dir={tmp_path / 'eval'}"]
    )
    assert result.returncode == 0, result.stderr[-3000:]
    evaluated = read_summary(tmp_path / "eval")
    assert evaluated["status"] == "ok"
    assert trained["metrics"]["test/acc"] > 0.8
    assert evaluated["metrics"]["test/acc"] == pytest.approx(trained["metrics"]["test/acc"])
    assert evaluated["metrics"]["test/loss"] == pytest.approx(
        trained["metrics"]["test/loss"], rel=1e-4
    )


def test_console_script_runs_from_any_folder(tmp_path):
    script = Path(sys.executable).parent / "litlab-train"
    if not script.exists():
        script = Path(shutil.which("litlab-train") or "litlab-train")
    import subprocess

    result = subprocess.run(
        [str(script), "debug=fdr", "print_config=false", "trainer.enable_progress_bar=false"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (summary_path,) = tmp_path.glob("outputs/train/runs/*/summary.json")
    assert json.loads(summary_path.read_text())["status"] == "ok"
