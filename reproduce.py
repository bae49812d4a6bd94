"""Re-run a run from its record and compare: `python reproduce.py RUN_DIR` (see
litlab.report.reproduce)."""

import sys

from litlab.report.reproduce import main

if __name__ == "__main__":
    sys.exit(main())
