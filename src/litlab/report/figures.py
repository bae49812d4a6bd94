"""The report's figures: the judged metric against each swept parameter, one PNG each.

Numbers go on a numeric axis (log10 of the values when they span more than two decades,
drawn on a linear axis labelled in powers of ten, since matplotlib's own log axis overflows
on a value like lr=1e300),
anything else on a categorical one; failed jobs, which have no metric, are red crosses on the
bottom edge, so a diverging learning rate shows where it diverged.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from litlab.report.collect import Job, is_repeat, number, swept


def figure_name(param: str) -> str:
    return "report_" + re.sub(r"[^\w.-]+", "_", param) + ".png"


def positions(values: list[str]) -> tuple[list[float], bool, list[str] | None]:
    """x positions of the values, whether the axis is logarithmic, and category labels."""
    numbers = [number(v) for v in values]
    if all(n is not None for n in numbers):
        log = (
            all(n > 0 for n in numbers) and math.log10(max(numbers)) - math.log10(min(numbers)) > 2
        )
        return [math.log10(n) for n in numbers] if log else numbers, log, None
    labels = list(dict.fromkeys(values))
    return [float(labels.index(v)) for v in values], False, labels


def plot_param(jobs: list[Job], param: str, path: Path) -> Path:
    values = [job.overrides.get(param, "") for job in jobs]
    xs, log, labels = positions(values)
    ok = [(x, j.value) for x, j in zip(xs, jobs, strict=True) if j.value is not None]
    bad = [x for x, j in zip(xs, jobs, strict=True) if j.status != "ok" or j.value is None]
    metric = next((j.monitor for j in jobs if j.monitor), "monitored metric")
    fig = Figure(figsize=(5, 3.5))  # no pyplot: no GUI backend, nothing left open
    ax = fig.subplots()
    if ok:
        ax.scatter(*zip(*ok, strict=True), color="tab:blue", label="ok")
    if bad:
        low = min((v for _, v in ok), default=0.0)
        ax.scatter(bad, [low] * len(bad), marker="x", color="red", s=60, label="failed")
    if log:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"1e{v:g}"))
    if labels is not None:
        ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
        ax.set_xlim(-0.5, len(labels) - 0.5)
    ax.set_xlabel(param)
    ax.set_ylabel(metric)
    ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path


def plot_all(jobs: list[Job], folder: Path) -> list[Path]:
    """One figure per swept parameter (seeds and folds are repeats, not parameters)."""
    params = [p for p in swept(jobs) if not is_repeat(p)]
    return [plot_param(jobs, p, folder / figure_name(p)) for p in params]
