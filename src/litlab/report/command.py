"""`python report.py DIR` (`litlab-report DIR`): a table of every job under DIR.

DIR is a run folder, a sweep folder (`outputs/train/multiruns/<id>`) or any folder holding
run folders at any depth. The report prints a rich table, writes `report.csv`, `report.md`
and `figures/report_<param>.png` into DIR (or `--out`/`out=`), and exits 1 with one sentence
when DIR holds no run. `--compare PARAM` (with `--baseline VALUE`) adds the settings of PARAM
against the baseline (litlab.report.compare): printed, appended to `report.md`, written as
`report.tex` (booktabs) and `report_compare.csv`, and drawn in `figures/compare_<param>.png`.

Arguments are read with argparse, not Hydra: the report reads run folders rather than
composing a config, a positional DIR is what people type, and Hydra would make a run folder
of its own for every report.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from litlab.errors import LitlabError
from litlab.report.collect import collect
from litlab.report.compare import compare
from litlab.report.figures import plot_all, plot_compare
from litlab.report.paper import append_markdown, csv_rows, print_comparison, write_latex
from litlab.report.tables import group_rows, job_rows, print_tables, write_markdown
from litlab.utils.csv_rows import write_rows


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="report.py", description="Table, CSV, Markdown and figures of the runs under DIR."
    )
    parser.add_argument("dir", type=Path, help="a run, sweep or outputs folder")
    parser.add_argument("--out", type=Path, help="where report.* and figures/ go (default DIR)")
    parser.add_argument(
        "--compare", metavar="PARAM", help="compare the settings of this swept override"
    )
    parser.add_argument(
        "--baseline",
        metavar="VALUE",
        help="the setting the others are compared with (default: the first)",
    )
    # `out=PATH` as the other scripts spell their options
    argv = [f"--out={a[4:]}" if a.startswith("out=") else a for a in argv]
    return parser.parse_args(argv)


def report(
    folder: Path,
    out: Path | None = None,
    console: Console | None = None,
    compare_param: str | None = None,
    baseline: str | None = None,
) -> list[Path]:
    """Print the report of the jobs under `folder` (and the comparison of `compare_param`'s
    settings against `baseline`); returns the files written."""
    jobs = collect(folder)
    comparison = compare(jobs, compare_param, baseline) if compare_param else None
    console = console or Console(width=200)
    out = Path(out or folder)
    out.mkdir(parents=True, exist_ok=True)
    rows, groups = job_rows(jobs), group_rows(jobs)
    print_tables(rows, groups, console)
    written = [
        write_rows(rows, out / "report.csv"),
        write_markdown(rows, groups, out / "report.md"),
    ]
    if groups:
        written.append(write_rows(groups, out / "report_groups.csv"))
    written += plot_all(jobs, out / "figures")
    if comparison is not None:
        print_comparison(comparison, console)
        written += [
            write_latex(comparison, out / "report.tex"),
            write_rows(csv_rows(comparison), out / "report_compare.csv"),
            plot_compare(comparison, out / "figures"),
        ]
        append_markdown(comparison, out / "report.md")
    failed = [j for j in jobs if j.status not in ("ok", "pruned")]
    summary = f"{len(jobs)} jobs, {len(failed)} not ok" if failed else f"{len(jobs)} jobs, all ok"
    console.print(f"{summary}; wrote {', '.join(map(str, written))}")
    return written


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    try:
        report(args.dir, args.out, compare_param=args.compare, baseline=args.baseline)
    except LitlabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
