"""The report's figures: the judged metric against each swept parameter, one PNG each, and a
comparison's runs and intervals per setting (`compare_<param>.png`).

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
from litlab.report.compare import Comparison, mean_interval


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


def compare_name(param: str) -> str:
    return "compare_" + re.sub(r"[^\w.-]+", "_", param) + ".png"


def plot_compare(comparison: Comparison, folder: Path) -> Path:
    """One panel per metric: each run's value as a point (the same seed joined across the
    settings), and each setting's mean with its 95% t interval as a bar beside them."""
    metrics = comparison.metrics
    fig = Figure(figsize=(3.6 * len(metrics) + 0.6, 3.8))
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    names = [
        s.value + ("\n(baseline)" if s.value == comparison.baseline else "")
        for s in comparison.settings
    ]
    for ax, metric in zip(axes, metrics, strict=True):
        keys = list(dict.fromkeys(k for s in comparison.settings for k in s.values[metric]))
        for key in keys:  # one thin line per seed: the pairing the test uses
            line = [
                (i, s.values[metric][key])
                for i, s in enumerate(comparison.settings)
                if key in s.values[metric]
            ]
            if len(line) > 1:
                ax.plot(*zip(*line, strict=True), color="0.8", linewidth=0.8, zorder=1)
        for i, s in enumerate(comparison.settings):
            values = list(s.values[metric].values())
            if not values:
                continue
            ax.scatter(
                [i] * len(values),
                values,
                color="tab:blue",
                s=18,
                zorder=2,
                label="run" if i == 0 else None,
            )
            interval = mean_interval(values)
            mean = sum(values) / len(values)
            if interval is not None:
                ax.errorbar(
                    i + 0.18,
                    mean,
                    yerr=[[mean - interval[0]], [interval[1] - mean]],
                    fmt="s",
                    color="black",
                    capsize=4,
                    markersize=5,
                    zorder=3,
                    label="mean, 95% CI" if i == 0 else None,
                )
            else:
                ax.scatter([i + 0.18], [mean], marker="s", color="black", s=25, zorder=3)
        way = comparison.directions[metric]
        better = {"max": " (higher is better)", "min": " (lower is better)"}.get(way or "", "")
        ax.set_title(metric + better, fontsize="medium")
        ax.set_xticks(range(len(names)), names)
        ax.set_xlim(-0.5, len(names) - 0.4)
        ax.set_xlabel(comparison.param)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(loc="best", fontsize="small")
    failed = f"; {comparison.failed} failed runs left out" if comparison.failed else ""
    fig.suptitle(
        f"{comparison.param}: each run, and the mean with its 95% interval{failed}",
        fontsize="medium",
    )
    fig.tight_layout()
    path = folder / compare_name(comparison.param)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path
