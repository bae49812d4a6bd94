"""Reading run folders: every folder under DIR that holds a `summary.json` is one job.

A job's overrides come from its `.hydra/overrides.yaml` (what Hydra recorded for it); only
those that differ between the jobs are the sweep's parameters. Reading needs no torch.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from litlab.errors import LitlabError
from litlab.utils.summary import read_summary

# overrides that repeat a job rather than change it: their jobs are averaged together
REPEAT_KEYS = ("seed", "cv.fold", "fold")


class NoRunsError(LitlabError):
    """A folder with no run (no summary.json) in it."""


@dataclass
class Job:
    """One run's outcome, as its folder records it."""

    path: Path
    name: str  # the path relative to the folder the report reads
    status: str
    error: str | None
    monitor: str | None  # the metric the run was judged by, as the value's name
    value: float | None  # that metric's value (its best-so-far when the run logged one)
    metrics: dict[str, float | None]  # test metrics
    seconds: float | None
    overrides: dict[str, str] = field(default_factory=dict)
    mode: str | None = None  # "max" or "min": which way the monitored metric is better


def natural_key(path: Path) -> list[Any]:
    """Job folders in numeric order: 2 before 10."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.as_posix())]


def number(value: Any) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def read_overrides(folder: Path, summary: dict[str, Any]) -> dict[str, str]:
    """`key: value` of the job's command-line overrides (`~group` as `group: null`)."""
    path = folder / ".hydra" / "overrides.yaml"
    lines = yaml.safe_load(path.read_text()) if path.is_file() else summary.get("overrides")
    overrides = {}
    for line in lines or []:
        key, _, value = str(line).partition("=")
        if key.startswith("~"):
            key, value = key[1:], "null"
        overrides[key.lstrip("+")] = value
    return overrides


def monitored(summary: dict[str, Any]) -> tuple[str | None, float | None]:
    """The judged metric's name and value: `<monitor>_best` when logged, else `<monitor>`."""
    monitor = summary.get("monitor")
    metrics = summary.get("metrics") or {}
    if not monitor:
        return None, None
    for name in (f"{monitor}_best", monitor):
        if number(metrics.get(name)) is not None:
            return name, number(metrics[name])
    return monitor, None


def monitor_mode(summary: dict[str, Any]) -> str | None:
    """ "max" or "min" as the run's config (`model.mode`) records it."""
    model = (summary.get("config") or {}).get("model") or {}
    return summary.get("mode") or (model.get("mode") if isinstance(model, dict) else None)


def read_job(folder: Path, root: Path, summary: dict[str, Any]) -> Job:
    monitor, value = monitored(summary)
    metrics = summary.get("metrics") or {}
    return Job(
        path=folder,
        name=folder.relative_to(root).as_posix() if folder != root else folder.name,
        status=str(summary.get("status", "unknown")),
        error=summary.get("error"),
        monitor=monitor,
        value=value,
        metrics={k: number(v) for k, v in metrics.items() if k.startswith("test/")},
        seconds=number(summary.get("seconds")),
        overrides=read_overrides(folder, summary),
        mode=monitor_mode(summary),
    )


def collect(root: str | Path) -> list[Job]:
    """Every job under `root` (a run folder, a sweep folder, or any folder of them)."""
    root = Path(root)
    if not root.is_dir():
        raise NoRunsError(f"{root} is not a folder; give a run, sweep or outputs folder.")
    folders = sorted({p.parent for p in root.rglob("summary.json")}, key=natural_key)
    if not folders:
        raise NoRunsError(f"{root} holds no run: no summary.json in it or in any folder below.")
    summaries = {folder: read_summary(folder) for folder in folders}
    if len(folders) > 1:  # a CV run's folds are its jobs; its own summary holds their means
        folders = [f for f in folders if "scores" not in (summaries[f].get("cv") or {})]
        # a re-run by `reproduce.py` repeats a job rather than adding one
        folders = [f for f in folders if not summaries[f].get("reproduces")] or folders
    return [read_job(folder, root, summaries[folder]) for folder in folders]


def swept(jobs: list[Job]) -> list[str]:
    """The override keys whose values differ between the jobs, in command-line order."""
    keys = list(dict.fromkeys(k for job in jobs for k in job.overrides))
    return [k for k in keys if len({job.overrides.get(k) for job in jobs}) > 1]


def is_repeat(key: str) -> bool:
    return key in REPEAT_KEYS or key.endswith(".fold")
