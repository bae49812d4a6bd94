"""Re-run a run from its record and compare: `python reproduce.py RUN_DIR`."""

from litlab.tasks.reproduce import main

if __name__ == "__main__":
    main()
