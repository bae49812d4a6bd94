"""The one module allowed to touch a dependency's private attributes.

Each use is here because no public API does the same, and tests/test_compat.py fails with a
sentence naming the installed version when a release moves it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def lightning_tracing() -> Iterator[None]:
    """Let `torch.jit.trace` walk a LightningModule that has no Trainer: its `trainer` property
    raises outside one unless Lightning's own scripting flag is set, as `to_torchscript` does
    for the module alone (an export traces a graph around it)."""
    from pytorch_lightning.core.module import _jit_is_scripting

    with _jit_is_scripting():
        yield
