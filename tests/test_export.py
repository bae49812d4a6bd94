"""export.py: a checkpoint's model written as ONNX / TorchScript / an ExportedProgram, loaded back
by its own runtime and checked against the checkpoint; a file that differs is deleted."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
import torch
from hydra import compose, initialize_config_dir
from sklearn.datasets import load_digits

from litlab.conf_dir import conf_dir
from litlab.errors import ConfigError
from litlab.exporting.checked import ExportError, export
from litlab.exporting.graph import InferenceGraph, output_of
from litlab.utils.checkpoints import load_model
from tests.conftest import FEW_BATCHES, REPO, SHARED_DATA, run_train

SHORT = [*FEW_BATCHES, "~logger"]


@pytest.fixture(scope="module")
def classifier_ckpt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CNN classifier trained a few batches on scikit-learn's digits (in this process)."""
    run = tmp_path_factory.mktemp("classifier")
    run_train(SHORT, run)
    return next((run / "checkpoints").glob("*.ckpt"))


def export_cfg(*overrides: str):
    with initialize_config_dir(conf_dir(), version_base="1.3"):
        return compose("export", overrides=list(overrides))


def run_exported(fmt: str, path: Path, pixels: torch.Tensor) -> torch.Tensor:
    """The file run by its own runtime, as a deployer would, without litlab's loader."""
    if fmt == "onnx":
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return torch.from_numpy(session.run(None, {"pixels": pixels.numpy()})[0])
    if fmt == "torchscript":
        with warnings.catch_warnings():  # deprecated on torch 2.14, still what users load
            warnings.filterwarnings("ignore", r"`torch\.jit\.load` is deprecated", FutureWarning)
            return torch.jit.load(str(path))(pixels)
    return torch.export.load(path).module()(pixels)


@pytest.mark.parametrize("fmt", ["onnx", "torchscript", "exported_program"])
def test_classifier_file_takes_raw_pixels_and_another_batch_size_and_matches_the_checkpoint(
    classifier_ckpt: Path, tmp_path: Path, fmt: str
):
    out = tmp_path / f"digits.{fmt}"
    assert export(export_cfg(f"ckpt_path={classifier_ckpt}", f"format={fmt}", f"out={out}")) == out
    # 7 real digits as raw pixels in [0, 1]: not the batch sizes it was exported and checked at
    pixels = torch.tensor(load_digits().images[-7:] / 16.0, dtype=torch.float32)[:, None]
    model = load_model(classifier_ckpt, "cpu")
    mean, std = model.spec.mean[0], model.spec.std[0]
    with torch.no_grad():
        expected = model((pixels - mean) / std).softmax(1)  # normalisation and softmax by hand
        got = run_exported(fmt, out, pixels)
    assert got.shape == (7, 10)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
    side = json.loads(out.with_name(out.name + ".json").read_text())
    (given,) = side["inputs"]
    assert (given["name"], given["shape"], given["dtype"]) == (
        "pixels",
        ["batch", 1, 8, 8],
        "float32",
    )
    assert side["output"]["name"] == "probabilities" and side["class_names"] == list("0123456789")
    assert side["normalisation"] == {"folded": True, "mean": [mean], "std": [std]}
    assert side["check"]["batch_sizes"] == [16, 5]
    assert 0 <= side["check"]["max_abs_difference"] <= side["check"]["atol"] == 1e-4


def test_forecaster_onnx_takes_windows_in_series_units_and_gives_forecasts_in_them(
    tmp_path: Path,
):
    run_train(["data=sunspots", "model/net=mlp", *SHORT], tmp_path / "run")  # LSTM: slower
    ckpt = next((tmp_path / "run" / "checkpoints").glob("*.ckpt"))
    path = export(export_cfg(f"ckpt_path={ckpt}"))
    assert path == tmp_path / "run" / "export" / "model.onnx"  # beside the run by default
    model = load_model(ckpt, "cpu")
    lookback = model.spec.input_shape[0]
    years = torch.linspace(0, 20, 3 * lookback).view(3, lookback, 1)
    window = 80 + 60 * torch.sin(years)  # sunspot-like counts, in the series' own units
    mean, std = model.spec.mean[0], model.spec.std[0]
    with torch.no_grad():
        expected = model.unscale(model((window - mean) / std))
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {"window": window.numpy()})[0]
    assert got.shape == (3, 1)
    np.testing.assert_allclose(got, expected.numpy(), atol=1e-3, rtol=1e-5)
    assert abs(float(expected.mean()) - 80) < 100  # in sunspot units, not standardised ones


def test_a_file_that_differs_from_the_checkpoint_is_deleted_with_one_sentence(
    classifier_ckpt: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    forward = InferenceGraph.forward
    monkeypatch.setattr(
        InferenceGraph, "forward", lambda self, x, codes=None: forward(self, x, codes) + 1e-3
    )
    out = tmp_path / "model.pt"
    cfg = export_cfg(f"ckpt_path={classifier_ckpt}", "format=torchscript", f"out={out}")
    with pytest.raises(ExportError) as caught:
        export(cfg)
    message = str(caught.value)
    assert "differ from the checkpoint's by up to 0.001 (atol=0.0001, rtol=1e-05)" in message
    assert message.count(". ") == 0 and message.endswith("so it was deleted.")
    assert list(tmp_path.iterdir()) == []  # neither the file nor its sidecar


def test_a_bad_format_or_checkpoint_is_one_sentence(classifier_ckpt: Path, tmp_path: Path):
    with pytest.raises(ConfigError, match="format=tflite is not one of onnx, torchscript"):
        export(export_cfg(f"ckpt_path={classifier_ckpt}", "format=tflite"))
    with pytest.raises(ConfigError, match=r"does not exist; give the path of a \.ckpt file"):
        export(export_cfg(f"ckpt_path={tmp_path / 'none.ckpt'}"))
    with pytest.raises(ConfigError, match="the detector; Linear is not one of them"):
        output_of(torch.nn.Linear(1, 1))  # e.g. a GAN: sample.py draws from it instead


def test_export_command_without_ckpt_path_exits_with_one_sentence():
    result = subprocess.run(
        [sys.executable, "export.py", "format=onnx"],
        cwd=REPO,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "error: ckpt_path must be set: python export.py ckpt_path=..."


def test_export_bench_prints_the_onnx_over_pytorch_ratio_and_writes_its_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    monkeypatch.syspath_prepend(str(REPO / "bench"))
    from bench_export import main

    rows = tmp_path / "rows.jsonl"
    row = main(["--quick", f"--data-dir={SHARED_DATA}", f"--json={rows}"])
    assert re.search(
        r"^export/onnx cnn samples/s onnx: \S+ torch: \S+ ratio: \S+$",
        capsys.readouterr().out,
        re.M,
    )
    assert json.loads(rows.read_text()) == row
    assert row["measure"] == "samples/s" and row["litlab"] > 0 and row["reference"] > 0
    assert row["ratio"] == pytest.approx(row["litlab"] / row["reference"])
