"""`report.py DIR --compare PARAM`: settings against a baseline with paired statistics that
agree with scipy and numpy, the metric's direction, Welch's test when seeds do not pair, Holm
with three settings, and the paper files (report.tex compiled by pdflatex, report.md, figure)."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from litlab.report.command import main
from litlab.report.compare import RESAMPLES, RNG_SEED, direction, holm
from litlab.report.paper import latex_escape
from litlab.utils.summary import write_summary
from tests.conftest import in_ci, run_cli

LR = "model.optimizer.lr"
TINY = ["data=wine", "trainer.max_epochs=2", "logger=null", "baselines=false"]
TINY += ["callbacks.loss_curves=null", "callbacks.confusion_matrix=null"]


def write_job(folder: Path, overrides: list[str], status: str = "ok", **metrics: float) -> Path:
    """A run folder as a real classifier run leaves it (monitor val/acc, mode max)."""
    (folder / ".hydra").mkdir(parents=True)
    (folder / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
    error = "the training loss became nan at epoch 0, step 2." if status == "failed" else None
    metrics = {} if status == "failed" else metrics
    config = {"model": {"monitor": "val/acc", "mode": "max"}}
    write_summary(folder, status, metrics, seconds=1.0, error=error, monitor="val/acc",
                  config=config)  # fmt: skip
    return folder


def write_sweep(root: Path, table: dict[str, dict[int, dict[str, float]]]) -> Path:
    """Job folders `<i>` for {lr: {seed: metrics}}."""
    i = 0
    for lr, seeds in table.items():
        for seed, metrics in seeds.items():
            write_job(root / str(i), [f"{LR}={lr}", f"seed={seed}"], **metrics)
            i += 1
    return root


def read_compare(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "report_compare.csv").open() as f:
        return {row[LR]: row for row in csv.DictReader(f)}


def paired_bootstrap(d: np.ndarray) -> tuple[float, float]:
    rng = np.random.default_rng(RNG_SEED)
    means = d[rng.integers(0, len(d), size=(RESAMPLES, len(d)))].mean(axis=1)
    return tuple(np.percentile(means, [2.5, 97.5]))


def summary_values(folder: Path, metric: str) -> dict[str, dict[int, float]]:
    """{lr: {seed: value}} read back from the jobs' summary.json files."""
    out: dict[str, dict[int, float]] = {}
    for path in sorted(folder.glob("*/summary.json")):
        summary = json.loads(path.read_text())
        overrides = dict(o.split("=", 1) for o in summary["overrides"])
        lr, seed = overrides[LR], int(overrides["seed"])
        out.setdefault(lr, {})[seed] = summary["metrics"][metric]
    return out


def check_paired(row: dict[str, str], metric: str, x: np.ndarray, y: np.ndarray) -> None:
    """The row's difference, intervals and p-value against scipy and numpy on x - y."""
    d = x - y
    result = stats.ttest_rel(x, y)
    ci = result.confidence_interval(0.95)
    assert float(row[f"{metric} diff"]) == pytest.approx(d.mean())
    assert float(row[f"{metric} diff std"]) == pytest.approx(d.std(ddof=1))
    assert float(row[f"{metric} p"]) == pytest.approx(result.pvalue)
    assert float(row[f"{metric} t low"]) == pytest.approx(ci.low)
    assert float(row[f"{metric} t high"]) == pytest.approx(ci.high)
    low, high = paired_bootstrap(d)
    assert float(row[f"{metric} bootstrap low"]) == pytest.approx(low)
    assert float(row[f"{metric} bootstrap high"]) == pytest.approx(high)
    assert row[f"{metric} test"] == "paired t" and row[f"{metric} pairs"] == str(len(d))


def test_paired_statistics_agree_with_scipy_and_a_numpy_bootstrap(tmp_path):
    rng = np.random.default_rng(1)
    base = rng.uniform(0.80, 0.90, size=5)
    better = base + rng.normal(0.03, 0.01, size=5)
    table = {
        "0.001": {s: {"test/acc": a, "val/acc": a} for s, a in enumerate(base, start=1)},
        "0.003": {s: {"test/acc": a, "val/acc": a} for s, a in enumerate(better, start=1)},
    }
    # seeds listed in another order: pairs go by seed, not by position
    table["0.003"] = dict(reversed(table["0.003"].items()))
    write_sweep(tmp_path, table)
    assert main([str(tmp_path), "--compare", LR]) == 0
    rows = read_compare(tmp_path)
    assert rows["0.001"]["baseline"] == "True" and rows["0.001"]["test/acc diff"] == ""
    check_paired(rows["0.003"], "test/acc", better, base)
    check_paired(rows["0.003"], "val/acc", better, base)
    assert float(rows["0.003"]["test/acc mean"]) == pytest.approx(better.mean())
    assert float(rows["0.003"]["test/acc std"]) == pytest.approx(better.std(ddof=1))
    assert stats.ttest_rel(better, base).pvalue < 0.05
    md = (tmp_path / "report.md").read_text()
    assert "## Jobs" in md  # the usual report is still there, the comparison appended
    # the words, in points, to the precision of the interval
    diff = 100 * (better - base)
    ci = stats.ttest_rel(100 * better, 100 * base).confidence_interval(0.95)
    found = re.search(
        r"lr=0\.003 is better than lr=0\.001 by (\S+) ± (\S+) points of test/acc "
        r"\(95% CI (\S+)\.\.(\S+), 5 seeds, p[=<]",
        md,
    )
    assert found, md
    near = (ci.high - ci.low) / 20
    said = [float(v) for v in found.groups()]
    assert said == pytest.approx([diff.mean(), diff.std(ddof=1), ci.low, ci.high], abs=near)


def test_a_lower_loss_is_better_and_a_lower_accuracy_worse(tmp_path, capsys):
    rng = np.random.default_rng(2)
    loss = rng.uniform(0.5, 0.6, size=4)
    acc = rng.uniform(0.8, 0.9, size=4)
    low_loss = loss - rng.normal(0.1, 0.01, size=4)
    low_acc = acc - rng.normal(0.05, 0.005, size=4)
    table = {
        "0.001": {s: {"test/loss": loss[s], "test/acc": acc[s]} for s in range(4)},
        "0.01": {s: {"test/loss": low_loss[s], "test/acc": low_acc[s]} for s in range(4)},
    }
    write_sweep(tmp_path, table)
    assert main([str(tmp_path), "--compare", LR]) == 0
    out = capsys.readouterr().out
    assert "lr=0.01 is better than lr=0.001 by" in out and "of test/loss (lower is better;" in out
    assert "lr=0.01 is worse than lr=0.001 by" in out and "points of test/acc" in out
    # the tables bold the best mean by direction: the low loss, the high accuracy
    md = (tmp_path / "report.md").read_text().split(f"## {LR} against 0.001")[1]
    (row001,) = [line for line in md.splitlines() if line.startswith("| 0.001 (baseline) |")]
    row01 = next(line for line in md.splitlines() if line.startswith("| 0.01 |"))  # settings
    assert row01.count("**") == 2 and row001.count("**") == 2
    assert f"**{low_loss.mean():.3f}" in row01 or f"**{low_loss.mean():.2f}" in row01
    assert direction("test/loss") == "min" and direction("test/psnr") == "max"
    assert direction("val/acc_best", "val/acc", "min") == "min"  # the run's mode wins


def test_seeds_that_do_not_pair_fall_back_to_welch(tmp_path, capsys):
    rng = np.random.default_rng(3)
    x, y = rng.uniform(0.7, 0.8, size=4), rng.uniform(0.8, 0.9, size=5)
    table = {
        "0.001": {s: {"test/acc": v} for s, v in zip(range(1, 5), x, strict=True)},
        "0.003": {s: {"test/acc": v} for s, v in zip(range(11, 16), y, strict=True)},
    }
    write_sweep(tmp_path, table)
    assert main([str(tmp_path), "--compare", LR]) == 0
    row = read_compare(tmp_path)["0.003"]
    result = stats.ttest_ind(y, x, equal_var=False)
    ci = result.confidence_interval(0.95)
    assert row["test/acc test"] == "Welch"
    assert float(row["test/acc p"]) == pytest.approx(result.pvalue)
    assert float(row["test/acc diff"]) == pytest.approx(y.mean() - x.mean())
    assert float(row["test/acc t low"]) == pytest.approx(ci.low)
    assert float(row["test/acc t high"]) == pytest.approx(ci.high)
    assert "unpaired (seeds do not pair): Welch's test" in capsys.readouterr().out


def test_three_settings_get_holm_adjusted_p_values(tmp_path, capsys):
    rng = np.random.default_rng(4)
    base = rng.uniform(0.8, 0.9, size=5)
    shifts = {"0.001": 0.0, "0.003": 0.02, "0.01": 0.005, "0.03": -0.03}
    values = {lr: base + shift + rng.normal(0, 0.01, size=5) for lr, shift in shifts.items()}
    values["0.001"] = base
    table = {lr: {s: {"test/acc": v[s]} for s in range(5)} for lr, v in values.items()}
    write_sweep(tmp_path, table)
    # the baseline by value, spelt as the user types it
    assert main([str(tmp_path), "--compare", LR, "--baseline", "1e-3"]) == 0
    rows = read_compare(tmp_path)
    others = ["0.003", "0.01", "0.03"]
    raw = [stats.ttest_rel(values[lr], base).pvalue for lr in others]
    expected = multipletests(raw, method="holm")[1]
    got = [float(rows[lr]["test/acc p adjusted"]) for lr in others]
    assert got == pytest.approx(list(expected))
    assert [float(rows[lr]["test/acc p"]) for lr in others] == pytest.approx(raw)
    assert got != pytest.approx(raw)
    assert holm([0.01, None, 0.04]) == [0.02, None, 0.04]
    assert "Holm-adjusted over the 3 comparisons" in capsys.readouterr().out


def test_failed_runs_are_left_out_and_counted(tmp_path, capsys):
    table = {
        "0.001": {s: {"test/acc": 0.8 + s / 100} for s in range(3)},
        "0.003": {s: {"test/acc": 0.85 + s / 90} for s in range(3)},
    }
    write_sweep(tmp_path, table)
    write_job(tmp_path / "9", [f"{LR}=0.003", "seed=7"], status="failed")
    assert main([str(tmp_path), "--compare", LR]) == 0
    row = read_compare(tmp_path)["0.003"]
    assert (row["n"], row["failed"], row["test/acc pairs"]) == ("3", "1", "3")
    assert "1 failed run left out (lr=0.003: 1)" in capsys.readouterr().out


def test_a_parameter_or_baseline_not_in_the_runs_gets_one_sentence(tmp_path, capsys):
    write_sweep(tmp_path, {"0.001": {1: {"test/acc": 0.8}}, "0.003": {1: {"test/acc": 0.9}}})
    assert main([str(tmp_path), "--compare", "model/net"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: --compare model/net") and err.count("\n") == 1
    assert main([str(tmp_path), "--compare", LR, "--baseline", "0.5"]) == 1
    err = capsys.readouterr().err
    assert "--baseline 0.5 is not a setting of model.optimizer.lr; it takes 0.001, 0.003" in err
    # one seed each: the words say so instead of a verdict
    assert main([str(tmp_path), "--compare", LR]) == 0
    assert "no difference shown with 1 seed: run more" in capsys.readouterr().out


def test_latex_escapes_the_specials():
    assert latex_escape("val/acc_best") == r"val/acc\_best"
    assert latex_escape("a&b%c$d#e{f}g~h^i\\") == (
        r"a\&b\%c\$d\#e\{f\}g\textasciitilde{}h\textasciicircum{}i\textbackslash{}"
    )


def pdflatex() -> str:
    """The pdflatex on PATH; a skip saying why without it, and a failure in CI."""
    found = shutil.which("pdflatex")
    if found is None:
        reason = "pdflatex is not installed (apt-get install texlive-latex-base "
        reason += "texlive-latex-recommended)"
        if in_ci():
            pytest.fail(f"{reason}; CI needs it to compile report.tex")
        pytest.skip(f"{reason}; report.tex is not compiled")
    return found


def compile_tex(table: Path, folder: Path) -> subprocess.CompletedProcess:
    document = folder / "paper.tex"
    document.write_text(
        "\\documentclass{article}\n\\usepackage{booktabs}\n"
        "\\usepackage[landscape,margin=1cm]{geometry}\n\\begin{document}\n"
        f"\\begin{{table}}\\centering\\small\n\\input{{{table.as_posix()}}}\n"
        "\\caption{A comparison.}\\end{table}\n\\end{document}\n"
    )
    return subprocess.run(
        [pdflatex(), "-interaction=nonstopmode", "-halt-on-error", document.name],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_real_sweep_compares_as_scipy_does_and_writes_a_compiling_table(tmp_path):
    sweep = tmp_path / "sweep"
    seeds = "seed=1,2,3,4,5"
    result = run_cli(
        "train.py", ["-m", f"{LR}=1e-3,3e-3", seeds, *TINY, f"hydra.sweep.dir={sweep}"]
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = run_cli("report.py", [str(sweep), f"--compare={LR}"])
    assert report.returncode == 0, report.stderr[-3000:]
    rows = read_compare(sweep)
    assert set(rows) == {"0.001", "0.003"}
    for metric in ("test/acc", "test/loss", "val/acc_best"):
        values = summary_values(sweep, metric)
        x = np.array([values["0.003"][s] for s in range(1, 6)])
        y = np.array([values["0.001"][s] for s in range(1, 6)])
        check_paired(rows["0.003"], metric, x, y)
    assert "lr=0.003" in report.stdout and "5 seeds" in report.stdout

    tex = (sweep / "report.tex").read_text()
    for rule in (r"\toprule", r"\midrule", r"\bottomrule"):
        assert tex.count(rule) == 1
    assert r"val/acc\_best" in tex and "0.001 (baseline)" in tex and r"\mathbf{" in tex
    assert "_best" not in tex.replace(r"\_best", "")
    assert "## model.optimizer.lr against 0.001" in (sweep / "report.md").read_text()
    png = sweep / "figures" / "compare_model.optimizer.lr.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000

    compiled = compile_tex(sweep / "report.tex", tmp_path)
    assert compiled.returncode == 0, compiled.stdout[-3000:]
    assert (tmp_path / "paper.pdf").stat().st_size > 1000


def test_a_broken_table_does_not_compile(tmp_path):
    """The compile check can fail: an unescaped underscore stops pdflatex."""
    table = tmp_path / "bad.tex"
    table.write_text("\\begin{tabular}{l}\\toprule val/acc_best \\\\ \\bottomrule\\end{tabular}\n")
    assert compile_tex(table, tmp_path).returncode != 0


def test_a_sweep_of_cross_validations_pairs_by_fold(tmp_path, capsys):
    rng = np.random.default_rng(5)
    base = rng.uniform(0.7, 0.8, size=3)
    better = base + rng.normal(0.1, 0.01, size=3)
    for i, (lr, values) in enumerate((("0.001", base), ("0.003", better))):
        for k, v in enumerate(values):  # a CV run's folds, as its folds/<k>/ folders hold them
            write_job(tmp_path / str(i) / "folds" / str(k), [f"{LR}={lr}", f"cv.fold={k}"],
                      **{"test/acc": v})  # fmt: skip
    assert main([str(tmp_path), "--compare", LR]) == 0
    row = read_compare(tmp_path)["0.003"]
    check_paired(row, "test/acc", better, base)
    out = capsys.readouterr().out
    assert "3 folds" in out and "paired by cv.fold" in out
