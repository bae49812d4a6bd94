"""Report on runs: `python report.py DIR` (see litlab.report.command)."""

from litlab.tasks.report import main

if __name__ == "__main__":
    main()
