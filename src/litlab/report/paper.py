"""A comparison as tables: printed (rich), Markdown (`report.md`), LaTeX (`report.tex`, booktabs)
and CSV (`report_compare.csv`).

The settings table has one row per setting: mean ± std of each metric over its ok runs (the
best per column in bold, by the metric's direction), the number of runs, the failed ones, and
the difference to the baseline with its 95% paired t interval and p-value. The differences
table gives each setting and metric the paired bootstrap interval beside the t interval.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from litlab.report.compare import (
    Comparison,
    Setting,
    Test,
    decimals,
    notes,
    sentences,
    short_name,
)
from litlab.report.compare import summary_stats as mean_std

Row = dict[str, Any]

LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_escape(text: str) -> str:
    """Text as LaTeX prints it verbatim (metric names hold underscores, paths slashes)."""
    return re.sub(r"[\\&%$#_{}~^]", lambda m: LATEX_SPECIALS[m.group()], str(text))


def fixed(value: float, places: int | None, sign: bool = False) -> str:
    if places is None:
        return f"{value:+.4g}" if sign else f"{value:.4g}"
    return f"{value:+.{places}f}" if sign else f"{value:.{places}f}"


def mean_pm(mean: float | None, std: float | None, pm: str = " ± ", sign: bool = False) -> str:
    """`0.9861 ± 0.0079`: the mean to the std's precision."""
    if mean is None:
        return ""
    if std is None:
        return fixed(mean, None, sign)
    places = decimals(std)
    return f"{fixed(mean, places, sign)}{pm}{fixed(std, places)}"


def interval_text(interval: tuple[float, float] | None, places: int | None) -> str:
    if interval is None:
        return ""
    return f"{fixed(interval[0], places)}..{fixed(interval[1], places)}"


def test_places(test: Test) -> int | None:
    spread = test.std
    if spread is None and test.t_interval is not None:
        spread = (test.t_interval[1] - test.t_interval[0]) / 4
    return decimals(spread)


def diff_text(test: Test | None) -> str:
    """`+0.017 [0.006, 0.028]`: the mean difference and its 95% paired t interval."""
    if test is None or test.diff is None:
        return ""
    places = test_places(test)
    text = fixed(test.diff, places, sign=True)
    if test.t_interval is not None:
        lo, hi = test.t_interval
        text += f" [{fixed(lo, places)}, {fixed(hi, places)}]"
    return text


def p_cell(p: float | None) -> str:
    if p is None:
        return ""
    return "<0.001" if p < 0.001 else f"{p:.2g}"


def setting_stats(comparison: Comparison) -> dict[str, dict[str, tuple]]:
    """Mean and std of each setting's values, by setting then metric."""
    return {
        s.value: {m: mean_std(list(s.values[m].values())) for m in comparison.metrics}
        for s in comparison.settings
    }


def best_settings(comparison: Comparison) -> dict[str, set[str]]:
    """The settings with the best mean of each metric (by its direction; none if unknown)."""
    means = setting_stats(comparison)
    best: dict[str, set[str]] = {}
    for m in comparison.metrics:
        way = comparison.directions[m]
        found = {v: means[v][m][0] for v in means if means[v][m][0] is not None}
        if way is None or not found:
            best[m] = set()
            continue
        top = max(found.values()) if way == "max" else min(found.values())
        # float32 metrics: means that agree to a millionth tie
        best[m] = {v for v, mean in found.items() if abs(mean - top) <= 1e-6 * max(1, abs(top))}
    return best


def arrow(comparison: Comparison, metric: str, up: str = "↑", down: str = "↓") -> str:
    way = comparison.directions[metric]
    return {"max": f" {up}", "min": f" {down}"}.get(way or "", "")


def setting_name(comparison: Comparison, setting: Setting) -> str:
    return setting.value + (" (baseline)" if setting.value == comparison.baseline else "")


def settings_rows(
    comparison: Comparison, bold: tuple[str, str] = ("", ""), tests: bool = True
) -> list[Row]:
    """One row per setting for people: runs, mean ± std (best in `bold`), and with `tests`
    the difference to the baseline [95% t interval] and its p-value."""
    means, best = setting_stats(comparison), best_settings(comparison)
    param = short_name(comparison.param)
    rows = []
    for s in comparison.settings:
        row: Row = {param: setting_name(comparison, s), "runs": str(s.ok), "failed": str(s.failed)}
        for m in comparison.metrics:
            cell = mean_pm(*means[s.value][m])
            row[m + arrow(comparison, m)] = (
                f"{bold[0]}{cell}{bold[1]}" if s.value in best[m] and cell else cell
            )
            if tests:
                test = s.tests.get(m)
                row[f"Δ {m} [95% CI]"] = diff_text(test)
                row[f"p ({m})"] = p_cell(test.p_adjusted) if test else ""
        rows.append(row)
    return rows


def differences_rows(comparison: Comparison) -> list[Row]:
    """One row per setting and metric: the difference, both intervals, the p-values, the test."""
    rows = []
    for s in comparison.settings:
        for m, test in s.tests.items():
            places = test_places(test)
            row: Row = {
                "setting": s.value,
                "metric": m,
                "Δ ± std": mean_pm(test.diff, test.std, sign=True) if test.diff is not None else "",
                "95% CI (t)": interval_text(test.t_interval, places),
                "95% CI (bootstrap)": interval_text(test.bootstrap, places),
                "p": p_cell(test.p),
            }
            if comparison.holm:
                row["p (Holm)"] = p_cell(test.p_adjusted)
            row.update(test=test.kind or "none", n=str(test.n))
            rows.append(row)
    return rows


def csv_rows(comparison: Comparison) -> list[Row]:
    """Unrounded numbers, one row per setting, `<metric> <field>` columns."""
    means = setting_stats(comparison)
    rows = []
    for s in comparison.settings:
        row: Row = {
            comparison.param: s.value,
            "baseline": s.value == comparison.baseline,
            "n": s.ok,
            "failed": s.failed,
        }
        for m in comparison.metrics:
            mean, std = means[s.value][m]
            test = s.tests.get(m)
            t_ci = (test.t_interval if test else None) or (None, None)
            boot = (test.bootstrap if test else None) or (None, None)
            row.update(
                {
                    f"{m} mean": mean,
                    f"{m} std": std,
                    f"{m} diff": test.diff if test else None,
                    f"{m} diff std": test.std if test else None,
                    f"{m} t low": t_ci[0],
                    f"{m} t high": t_ci[1],
                    f"{m} bootstrap low": boot[0],
                    f"{m} bootstrap high": boot[1],
                    f"{m} p": test.p if test else None,
                    f"{m} p adjusted": test.p_adjusted if test else None,
                    f"{m} test": test.kind if test else None,
                    f"{m} pairs": test.n if test else None,
                }
            )
        rows.append(row)
    return rows


def rich_rows(rows: list[Row], title: str) -> Table:
    table = Table(title=title)
    for column in rows[0]:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    return table


def print_comparison(comparison: Comparison, console: Console) -> None:
    title = f"{comparison.param}: mean ± std over each setting's runs (best in bold)"
    console.print(rich_rows(settings_rows(comparison, ("[bold]", "[/bold]"), False), title))
    console.print(rich_rows(differences_rows(comparison), "differences to the baseline"))
    for line in sentences(comparison):
        console.print(line, highlight=False, soft_wrap=True)
    for line in notes(comparison):
        console.print(f"({line})", highlight=False, style="dim", soft_wrap=True)


def markdown_table(rows: list[Row]) -> str:
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(map(cell, rows[0])) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(cell(v) for v in row.values()) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def markdown(comparison: Comparison) -> str:
    """The comparison's section of `report.md`."""
    parts = [
        f"## {comparison.param} against {comparison.baseline}\n",
        markdown_table(settings_rows(comparison, ("**", "**"))),
        markdown_table(differences_rows(comparison)),
        "".join(f"- {line}\n" for line in sentences(comparison)),
        "".join(f"_{line}._\n\n" for line in notes(comparison)),
    ]
    return "\n".join(parts)


def append_markdown(comparison: Comparison, path: Path) -> Path:
    text = path.read_text() if path.is_file() else ""
    path.write_text(text.rstrip("\n") + "\n\n" + markdown(comparison))
    return path


def latex(comparison: Comparison) -> str:
    """A booktabs `tabular` of the settings: \\input it inside a table of your own."""
    means, best = setting_stats(comparison), best_settings(comparison)
    metrics = comparison.metrics
    spec = "lr" + "rrr" * len(metrics)
    header = [r"\multicolumn{1}{l}{}", ""]
    rules = []
    for i, m in enumerate(metrics):
        way = arrow(comparison, m, r"($\uparrow$)", r"($\downarrow$)")
        header.append(rf"\multicolumn{{3}}{{c}}{{{latex_escape(m)}{way}}}")
        rules.append(rf"\cmidrule(lr){{{3 + 3 * i}-{5 + 3 * i}}}")
    names = [latex_escape(short_name(comparison.param)), r"$n$"]
    names += [r"mean $\pm$ std", r"$\Delta$ [95\% CI]", r"$p$"] * len(metrics)
    lines = [
        *(f"% {latex_escape(line)}" for line in notes(comparison)),
        f"\\begin{{tabular}}{{{spec}}}",
        r"\toprule",
        " & ".join(header) + r" \\",
        " ".join(rules),
        " & ".join(names) + r" \\",
        r"\midrule",
    ]
    for s in comparison.settings:
        name = latex_escape(s.value)
        cells = [name + (" (baseline)" if s.value == comparison.baseline else ""), str(s.ok)]
        for m in metrics:
            value = mean_pm(*means[s.value][m], pm=r" \pm ")
            if value and s.value in best[m]:
                value = rf"\mathbf{{{value}}}"
            test = s.tests.get(m)
            cells += [
                f"${value}$" if value else "",
                latex_escape(diff_text(test)).replace("+", "$+$").replace("-", "$-$")
                if test
                else "---",
                latex_escape(p_cell(test.p_adjusted)).replace("<", "$<$") if test else "---",
            ]
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def write_latex(comparison: Comparison, path: Path) -> Path:
    path.write_text(latex(comparison))
    return path
