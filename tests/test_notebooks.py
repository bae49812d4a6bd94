"""The notebooks run top to bottom on their small settings, and are kept in git without outputs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
KERNEL = "litlab-tests"


@pytest.fixture
def kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernelspec that runs this interpreter (whatever `python3` kernels the machine has)."""
    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return KERNEL


def execute(name: str, kernel: str, folder: Path) -> nbformat.NotebookNode:
    """Run notebooks/<name>.ipynb in `folder`; a cell that raises fails the test with its error."""
    notebook = nbformat.read(REPO / "notebooks" / f"{name}.ipynb", as_version=4)
    folder.mkdir(exist_ok=True)
    client = NotebookClient(
        notebook, kernel_name=kernel, timeout=600, resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    return notebook


def summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text())


@pytest.mark.slow  # a kernel, Lightning's import and a short training run
def test_quickstart_trains_and_shows_its_run_folder(kernel, tmp_path):
    notebook = execute("01_quickstart", kernel, tmp_path / "work")
    result = summary(tmp_path / "work" / "runs" / "quickstart")
    assert result["status"] == "ok"
    assert result["metrics"]["test/acc"] >= 0.85
    images = [
        o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    assert len(images) >= 2  # the confusion matrix and the loss curves


@pytest.mark.slow
def test_vae_notebook_draws_the_latent_space(kernel, tmp_path, monkeypatch, mnist_dir):
    monkeypatch.setenv("DATA_DIR", str(mnist_dir))
    notebook = execute("02_vae_latent_space", kernel, tmp_path / "work")
    result = summary(tmp_path / "work" / "runs" / "vae")
    assert result["status"] == "ok"
    assert result["config"]["data"]["_target_"].endswith("MNISTDataModule")
    assert result["metrics"]["test/nelbo"] < 200  # an untrained decoder: ~540 nats per image
    images = [
        o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    assert len(images) >= 4  # the plane, the KL bars, the samples, the walks


@pytest.mark.slow
def test_comparing_runs_tabulates_every_run(kernel, tmp_path):
    notebook = execute("03_comparing_runs", kernel, tmp_path / "work")
    runs = tmp_path / "work" / "runs" / "compare"
    accuracies = {
        p.parent.name: summary(p.parent)["metrics"]["test/acc"] for p in runs.glob("*/summary.json")
    }
    assert set(accuracies) == {"cnn", "mlp", "cnn_sgd"}
    assert min(accuracies.values()) >= 0.5
    best = max(accuracies, key=accuracies.get)
    printed = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    assert any(
        "image/png" in o.get("data", {}) for c in notebook.cells for o in c.get("outputs", [])
    )
    assert f"best: {best} (test/acc {accuracies[best]:.3f})" in printed


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name}: clear outputs"
            )


def test_there_are_notebooks():
    names = {p.stem for p in NOTEBOOKS}
    assert {"01_quickstart", "02_vae_latent_space", "03_comparing_runs"} <= names
