"""A W&B run's last step: what the run folder says at the end, on the run's own page.

`summary.json` is written after training and testing, by the runner, so no Lightning callback
sees it: the runner calls `publish_summary` between writing it and closing the W&B run. Its
status, seconds, reason and metrics become the W&B run summary (the columns of a sweep's run
table); figures in `figures/` that no callback has logged yet go up as images.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from litlab.utils.summary import read_summary

log = logging.getLogger(__name__)

SUMMARY_FIELDS = ("status", "seconds", "error", "best_checkpoint")


def publish_summary(folder: str | Path, figures_dir: str | Path | None = None) -> None:
    """Send `folder/summary.json` and unlogged `figures/*.png` to the open W&B run, if any.

    Runs without W&B never import it (a run that used it has imported it already).
    """
    if "wandb" not in sys.modules:
        return
    import wandb

    run = wandb.run
    if run is None or not (Path(folder) / "summary.json").is_file():
        return
    try:
        send(run, read_summary(folder), Path(figures_dir or Path(folder) / "figures"))
    except Exception as exc:  # W&B's copy must never hide the outcome summary.json records
        log.warning("Could not send the summary and figures to W&B: %s", exc)


def send(run: Any, summary: dict[str, Any], figures: Path) -> None:
    import wandb

    run.summary.update(
        {
            **{k: v for k, v in summary.get("metrics", {}).items() if v is not None},
            **{k: summary[k] for k in SUMMARY_FIELDS if summary.get(k) is not None},
        }
    )
    logged = set(run.summary.keys())
    images = {
        f"figures/{png.stem}": wandb.Image(str(png))
        for png in sorted(figures.glob("*.png"))
        if f"figures/{png.stem}" not in logged  # callbacks log theirs as they draw them
    }
    if images:
        run.log(images)
