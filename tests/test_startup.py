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
from litlab.tasks.train import main
try:
    main()
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


GC_PROBE = """
import gc, json, weakref
from litlab.preflight import task_imports

class Node:
    pass

def cyclic_garbage():
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)

before = cyclic_garbage()  # garbage from before the command's imports: frozen with them
with task_imports():
    paused = not gc.isenabled()
    import email.mime.text  # noqa: F401  (stands in for torch: modules, classes, cycles)
frozen = gc.get_freeze_count()
during = cyclic_garbage()  # a run's own garbage, e.g. the first job of a sweep
with task_imports():  # the next job of the sweep, in the same process
    paused_again = not gc.isenabled()
gc.collect()
print(json.dumps({
    "paused": paused, "frozen": frozen, "enabled": gc.isenabled(),
    "paused_again": paused_again, "frozen_after": gc.get_freeze_count(),
    "before_collected": before() is None, "run_garbage_collected": during() is None,
}))
"""


def test_a_command_imports_with_the_collector_paused_and_freezes_only_once():
    """The first import block freezes what exists (start and exit skip walking torch's
    objects); a later block, such as a sweep's next job, must not freeze the previous job's
    garbage, which would then never be freed."""
    result = subprocess.run(
        [sys.executable, "-c", GC_PROBE], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout)
    assert outcome["paused"] and outcome["enabled"]
    assert outcome["frozen"] > 10_000  # the interpreter's and the imports' objects
    assert not outcome["paused_again"]
    assert outcome["frozen_after"] == outcome["frozen"]
    assert not outcome["before_collected"]  # the documented price: left allocated
    assert outcome["run_garbage_collected"]
