"""`python report.py DIR` / `litlab-report DIR`: a table, CSV, Markdown and figures of the runs
under DIR. It reads run folders instead of composing a config (`litlab.report.command`)."""

from __future__ import annotations

from litlab.preflight import task_imports


def main() -> None:
    """`litlab-report DIR`: exits 1 with one sentence when DIR holds no run."""
    with task_imports():
        from litlab.report.command import main as report

    raise SystemExit(report())


if __name__ == "__main__":
    main()
