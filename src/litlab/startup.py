"""A command imports its task's modules (torch, Lightning, the data and model) with Python's
cyclic garbage collector paused, then freezes what they built out of later collections.

Importing torch and Lightning creates about a million objects that live as long as the
process. While they are being created, the collector keeps walking over them (about a fifth
of the import's time on 2 cores), and the interpreter walks over them again at exit (most of
its shutdown). Frozen, they are never walked again: the process starts and ends over a second
sooner. Objects made afterwards (the data, the model, the trainer) are collected as usual;
the price is that the few thousand objects the imports left as garbage stay allocated.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_frozen = False


@contextmanager
def task_imports() -> Iterator[None]:
    """Import a task's modules inside this block (once per process; later blocks, such as a
    sweep's next job, only import what is new, with the collector running as usual)."""
    global _frozen
    if _frozen or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()  # everything alive now, imported modules first, is left out of collections
        gc.enable()
        _frozen = True
