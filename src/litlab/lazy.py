"""Package namespaces whose members are imported on first use.

`litlab.data.MNISTDataModule` (as a config's `_target_` names it) imports `litlab.data.mnist`
and nothing else: a run on MNIST never pays for pandas, scikit-learn or statsmodels, which only
the table and series modules need.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_members(
    package: str, members: dict[str, list[str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """`__getattr__`, `__dir__` and `__all__` for `package`, given {module: [member names]}."""
    where = {name: module for module, names in members.items() for name in names}

    def __getattr__(name: str) -> Any:  # the module-level hook of PEP 562
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{where[name]}"), name)
        setattr(sys.modules[package], name, value)  # later lookups skip this hook
        return value

    def __dir__() -> list[str]:
        return sorted(where)

    return __getattr__, __dir__, sorted(where)
