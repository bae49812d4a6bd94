"""The report's tables: one row per job, and mean +- std over repeats (seeds, folds).

The same rows print as a rich table and are written as CSV and Markdown, so what a person
reads and what a script reads agree. The std is the sample std (n - 1), over the ok jobs.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from litlab.report.collect import Job, is_repeat, swept

Row = dict[str, Any]


def metric_names(jobs: list[Job]) -> list[str]:
    """The judged metric's column name(s), then every test metric any job has."""
    monitors = list(dict.fromkeys(j.monitor for j in jobs if j.monitor))
    tests = sorted({k for j in jobs for k in j.metrics} - set(monitors))
    return [*monitors, *tests]


def job_rows(jobs: list[Job]) -> list[Row]:
    """One row per job: its swept overrides, metrics, seconds, status and failure reason."""
    params = swept(jobs)
    names = metric_names(jobs)
    rows = []
    for job in jobs:
        values = {**job.metrics, **({job.monitor: job.value} if job.monitor else {})}
        row: Row = {"job": job.name}
        row.update({p: job.overrides.get(p, "") for p in params})
        row.update({n: values.get(n) for n in names})
        row.update(seconds=job.seconds, status=job.status, reason=job.error or "")
        rows.append(row)
    return rows


def group_rows(jobs: list[Job]) -> list[Row]:
    """Jobs that differ only in a repeat key (seed, fold): n ok jobs and each metric's mean and
    std. Empty when no repeat key was swept."""
    params = swept(jobs)
    repeats = [p for p in params if is_repeat(p)]
    if not repeats:
        return []
    kept = [p for p in params if not is_repeat(p)]
    names = [*metric_names(jobs), "seconds"]
    groups: dict[tuple, list[Row]] = {}
    for row in job_rows(jobs):
        groups.setdefault(tuple(row[p] for p in kept), []).append(row)
    rows = []
    for key, members in groups.items():
        ok = [m for m in members if m["status"] == "ok"]
        row: Row = dict(zip(kept, key, strict=True))
        row.update(n=len(ok), failed=len(members) - len(ok))
        for name in names:
            values = [m[name] for m in ok if m.get(name) is not None]
            row[f"{name} mean"] = sum(values) / len(values) if values else None
            row[f"{name} std"] = sample_std(values)
        rows.append(row)
    return rows


def sample_std(values: list[float]) -> float | None:
    return statistics.stdev(values) if len(values) > 1 else None


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def grouped_text(row: Row) -> Row:
    """A group row for people: `mean ± std` in one cell per metric."""
    out: Row = {}
    for key, value in row.items():
        if key.endswith(" std"):
            continue
        if key.endswith(" mean"):
            std = row[key[: -len(" mean")] + " std"]
            cell = text(value) + (f" ± {text(std)}" if std is not None else "")
            out[key[: -len(" mean")]] = cell
        else:
            out[key] = text(value)
    return out


def rich_table(rows: list[Row], title: str) -> Table:
    table = Table(title=title, show_lines=False)
    for column in rows[0]:
        table.add_column(column, overflow="fold")
    for row in rows:
        cells = [text(v) for v in row.values()]
        style = {"failed": "red", "interrupted": "yellow", "pruned": "dim"}.get(row.get("status"))
        table.add_row(*cells, style=style)
    return table


def print_tables(jobs_table: list[Row], groups_table: list[Row], console: Console) -> None:
    console.print(rich_table(jobs_table, "jobs"))
    if groups_table:
        console.print(
            rich_table([grouped_text(r) for r in groups_table], "mean ± std over repeats")
        )


def markdown(rows: list[Row]) -> str:
    def cell(value: Any) -> str:
        return text(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(cell(v) for v in row.values()) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def write_markdown(jobs_table: list[Row], groups_table: list[Row], path: Path) -> Path:
    parts = ["## Jobs\n", markdown(jobs_table)]
    if groups_table:
        parts += [
            "\n## Mean ± std over repeats\n",
            markdown([grouped_text(r) for r in groups_table]),
        ]
    path.write_text("\n".join(parts))
    return path
