"""litlab.compat holds every private attribute of a dependency that litlab uses; each test
here fails with the installed version's name when a release moves one, and one test keeps
private attributes of other packages out of the rest of src/."""

from __future__ import annotations

import re

import pytest
import pytorch_lightning as pl
import torch

from litlab.compat import lightning_tracing
from tests.conftest import REPO

SRC = REPO / "src"
# `x._name` where x is not litlab's own object (`self._name` is; `self.trainer._name` is not)
FOREIGN_PRIVATE = re.compile(
    r"(?<![\w.])(?:(?!self\b|cls\b)\w+(?:\.\w+)*|(?:self|cls)(?:\.\w+)+)\._[a-z]\w*"
)
IMPORTED_PRIVATE = re.compile(r"^\s*from\s+\S+\s+import\s+.*\b_[A-Za-z]\w*|^\s*from\s+\S*\._", re.M)


class Tiny(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        assert self.trainer is None  # what tracing a graph around a LightningModule touches
        return self.layer(x)


def test_lightning_tracing_lets_jit_trace_a_module_without_a_trainer():
    module = Tiny()
    with pytest.raises(RuntimeError, match="not attached to a `Trainer`"):
        module(torch.zeros(1, 2))
    with lightning_tracing():
        traced = torch.jit.trace(module, torch.zeros(1, 2), check_trace=False)
    assert traced(torch.ones(1, 2)).shape == (1, 1), (
        f"pytorch-lightning {pl.__version__} moved LightningModule._jit_is_scripting"
    )


def private_uses(text: str) -> list[str]:
    uses = [m.group(0) for m in FOREIGN_PRIVATE.finditer(text) if "._target_" not in m.group(0)]
    return uses + [m.group(0).strip() for m in IMPORTED_PRIVATE.finditer(text)]


def test_no_private_attribute_of_a_dependency_outside_compat():
    found = {
        str(path.relative_to(REPO)): private_uses(path.read_text())
        for path in SRC.rglob("*.py")
        if path.name != "compat.py"
    }
    found = {path: uses for path, uses in found.items() if uses}
    assert found == {}, f"private attributes outside litlab/compat.py: {found}"


def test_the_check_sees_a_private_attribute():
    assert private_uses("trainer._logger_connector.log_metrics(x)") == ["trainer._logger_connector"]
    assert private_uses("from hydra._internal.config_loader_impl import X") != []
    assert private_uses("from torch.nn.modules.batchnorm import _BatchNorm") != []
    assert private_uses("self._best = 1; cfg.data._target_") == []
    assert private_uses("self.trainer._signal_connector.x = 1") == [
        "self.trainer._signal_connector"
    ]
