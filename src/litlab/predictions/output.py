"""Where predictions go and how the JSON ones are written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from litlab.utils.checkpoints import run_folder

T = TypeVar("T")


def default_output(ckpt: Path, inputs: Path) -> Path:
    """`<run folder>/predictions/<inputs name>` for `<run folder>/checkpoints/*.ckpt`."""
    run = run_folder(ckpt)
    return run / "predictions" / (inputs.stem if inputs.is_file() else inputs.name)


def dump(results: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(results, indent=1) + "\n")
    return path


def batches(items: list[T], size: int) -> list[list[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
