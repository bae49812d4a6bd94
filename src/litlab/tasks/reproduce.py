"""`python reproduce.py RUN_DIR` / `litlab-reproduce RUN_DIR`: re-run a run from its record
into a new folder beside it and compare config and metrics (`litlab.report.reproduce`)."""

from __future__ import annotations

from litlab.preflight import task_imports


def main() -> None:
    """`litlab-reproduce RUN_DIR`: exits 1 when the config or a metric differs."""
    with task_imports():
        from litlab.report.reproduce import main as reproduce

    raise SystemExit(reproduce())


if __name__ == "__main__":
    main()
