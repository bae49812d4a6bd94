"""`python -m litlab <command> [overrides]`: the same commands as the root scripts."""

from __future__ import annotations

import importlib
import sys

COMMANDS = (
    "train",
    "eval",
    "sample",
    "predict",
    "demo",
    "export",
    "ensemble",
    "report",
    "reproduce",
)
MODULES = {"eval": "evaluate"}  # the command's name where its module's differs


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else None
    if name not in COMMANDS:
        choices = ", ".join(COMMANDS)
        print(f"error: python -m litlab takes a command first: one of {choices}.", file=sys.stderr)
        raise SystemExit(2)
    sys.argv = [f"litlab-{name}", *sys.argv[2:]]
    importlib.import_module(f"litlab.tasks.{MODULES.get(name, name)}").main()


if __name__ == "__main__":
    main()
