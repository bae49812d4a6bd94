"""The command line is checked before torch, Lightning or any data library is imported, so
`--help`, `--cfg job` and config mistakes answer in about a second (bench/bench_startup.py
times it; here: what gets imported)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

HEAVY = ("torch", "pytorch_lightning", "torchvision", "pandas", "sklearn", "statsmodels")

PROBE = """
import json, sys
sys.argv = ["train.py", *json.loads(sys.argv[1])]
from litlab.commands import train
try:
    train()
except SystemExit as exit:
    code = exit.code
else:
    code = 0
heavy = [m for m in {heavy} if m in sys.modules]
print(json.dumps({{"code": code, "heavy": heavy}}))
"""


def imported_by(args: list[str], tmp_path) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), json.dumps(args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--help"], 0),
        (["data=mnist", "--cfg", "job"], 0),  # Hydra prints the config and returns
        (["data=no_such"], 1),
        (["trainer.max_epoch=3"], 1),
        (["trainer.max_epochs=three"], 1),
        (["model=detector", "data=mnist"], 1),
    ],
)
def test_the_command_line_answers_before_torch_is_imported(tmp_path, args, code):
    outcome = imported_by([*args, f"hydra.run.dir={tmp_path}"], tmp_path)
    assert outcome["code"] == code
    assert outcome["heavy"] == []


def test_help_lists_each_group_choice_with_its_description():
    result = subprocess.run(
        [sys.executable, "train.py", "--help"], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert any(line.split()[:2] == ["*digits", "scikit-learn's"] for line in lines)
    assert any(line.split()[:3] == ["mnist", "MNIST,", "28x28"] for line in lines)
    assert any(line.split()[:2] == ["vae", "Variational"] for line in lines)
    assert "--cfg job" in result.stdout
