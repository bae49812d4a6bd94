"""Report on runs: `python report.py DIR` (see litlab.report.command)."""

import sys

from litlab.report.command import main

if __name__ == "__main__":
    sys.exit(main())
