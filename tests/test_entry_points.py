"""`python -m litlab <command>` and `python -m litlab.tasks.<task>` are the root scripts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )


def test_python_m_litlab_without_a_command_names_the_commands():
    result = run("-m", "litlab")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: python -m litlab takes a command first")
    assert "train, eval" in result.stderr and "reproduce" in result.stderr


@pytest.mark.parametrize(("command", "config"), [("train", "train"), ("eval", "eval")])
def test_python_m_litlab_runs_the_command(command, config):
    result = run("-m", "litlab", command, "--help")
    assert result.returncode == 0
    assert f"python {config}.py" in result.stdout


def test_a_task_module_runs_as_its_script(tmp_path):
    result = run("-m", "litlab.tasks.train", "data=no_such", f"hydra.run.dir={tmp_path}")
    assert result.returncode == 1
    assert "'no_such' is not a choice for the config group 'data'" in result.stderr
    assert (tmp_path / "summary.json").is_file()
