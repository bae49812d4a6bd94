"""`python -m litlab <command> [overrides]`: the same commands as the root scripts."""

from __future__ import annotations

import sys

from litlab import commands

COMMANDS = {
    "train": commands.train,
    "eval": commands.evaluate,
    "sample": commands.sample,
    "predict": commands.predict,
    "demo": commands.demo,
    "export": commands.export,
    "ensemble": commands.ensemble,
    "report": commands.report,
}


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else None
    if name not in COMMANDS:
        choices = ", ".join(COMMANDS)
        print(f"error: python -m litlab takes a command first: one of {choices}.", file=sys.stderr)
        raise SystemExit(2)
    sys.argv = [f"litlab-{name}", *sys.argv[2:]]
    COMMANDS[name]()


if __name__ == "__main__":
    main()
