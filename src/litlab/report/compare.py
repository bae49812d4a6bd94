"""Settings of one swept parameter against a baseline, with the statistics a paper needs.

`python report.py DIR --compare model.optimizer.lr` pairs the ok runs of each setting with the
baseline's by every other swept key (seeds, folds, other parameters), and gives for the
monitored metric and each test metric: the mean paired difference, its std, the paired t
interval and a paired bootstrap interval (95%), and the paired t-test's p-value. Settings
whose runs share no seed with the baseline's fall back to Welch's t-test on the two groups.
With two or more comparisons per metric (three or more settings), the p-values are Holm
adjusted within each metric. Whether a difference is "better" follows the metric's direction:
the run's own `mode` for its monitored metric, the metric's name for the others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from litlab.errors import LitlabError
from litlab.report.collect import Job, is_repeat, number, swept
from litlab.report.tables import metric_names

ALPHA = 0.05
LEVEL = 0.95
RESAMPLES = 10_000
RNG_SEED = 0
LOWER_IS_BETTER = ("loss", "rmse", "mae", "mse", "nelbo", "nll", "fid", "bpd", "error", "kl")
HIGHER_IS_BETTER = ("acc", "map", "psnr", "ssim", "f1", "auc", "auroc", "precision", "recall")
HIGHER_IS_BETTER += ("r2", "iou", "gen_acc")
FRACTIONS = ("acc", "map", "f1", "auc", "auroc", "precision", "recall", "iou", "gen_acc")


class CompareError(LitlabError):
    """A comparison that the runs cannot give (the parameter or the baseline is not there)."""


@dataclass
class Test:
    """One setting against the baseline on one metric."""

    kind: str | None  # "paired t", "Welch" or None (too few runs to test)
    n: int  # pairs (paired) or the smaller group's size (Welch)
    sizes: tuple[int, int]  # runs of the setting and of the baseline that went in
    diff: float | None  # mean of setting - baseline
    std: float | None  # std of the paired differences (Welch: None)
    t_interval: tuple[float, float] | None
    bootstrap: tuple[float, float] | None
    p: float | None
    p_adjusted: float | None = None


@dataclass
class Setting:
    """One value of the compared parameter: its ok runs' metric values by pairing key."""

    value: str
    values: dict[str, dict[tuple, float]]  # metric -> pairing key -> value
    ok: int
    failed: int
    tests: dict[str, Test] = field(default_factory=dict)


@dataclass
class Comparison:
    param: str
    baseline: str
    metrics: list[str]
    directions: dict[str, str | None]  # "max", "min" or None (unknown)
    settings: list[Setting]
    pair_keys: list[str]  # the swept keys the runs are paired by
    holm: bool

    def setting(self, value: str) -> Setting:
        return next(s for s in self.settings if s.value == value)

    @property
    def failed(self) -> int:
        return sum(s.failed for s in self.settings)


def direction(name: str, monitor: str | None = None, mode: str | None = None) -> str | None:
    """ "max" when higher is better, "min" when lower is, None when the name does not say."""
    base = name.split("/")[-1].removesuffix("_best")
    if monitor and mode in ("min", "max") and base == monitor.split("/")[-1]:
        return mode
    for words, way in ((LOWER_IS_BETTER, "min"), (HIGHER_IS_BETTER, "max")):
        if any(base == w or base.startswith(w + "_") for w in words):
            return way
    return None


def is_fraction(name: str) -> bool:
    """Metrics in [0, 1] that people read in percentage points."""
    base = name.split("/")[-1].removesuffix("_best")
    return any(base == w or base.startswith(w + "_") for w in FRACTIONS)


def holm(pvalues: list[float | None]) -> list[float | None]:
    """Holm's step-down adjustment of the p-values that are not None."""
    index = [i for i, p in enumerate(pvalues) if p is not None]
    order = sorted(index, key=lambda i: pvalues[i])
    adjusted: list[float | None] = list(pvalues)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def paired_test(x: np.ndarray, y: np.ndarray) -> Test:
    """Paired t-test and interval (scipy) and a paired bootstrap of the mean difference."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    d = x - y
    n = len(d)
    diff = float(d.mean())
    if n < 2:
        return Test("paired t", n, (n, n), diff, None, None, None, None)
    std = float(d.std(ddof=1))
    rng = np.random.default_rng(RNG_SEED)
    means = d[rng.integers(0, n, size=(RESAMPLES, n))].mean(axis=1)
    boot = tuple(float(q) for q in np.percentile(means, [2.5, 97.5]))
    if std == 0:  # every pair differs by the same amount: the t statistic is undefined
        return Test("paired t", n, (n, n), diff, std, (diff, diff), boot, None)
    result = stats.ttest_rel(x, y)
    ci = result.confidence_interval(LEVEL)
    return Test("paired t", n, (n, n), diff, std, (ci.low, ci.high), boot, float(result.pvalue))


def welch_test(x: np.ndarray, y: np.ndarray) -> Test:
    """Welch's t-test and interval (scipy) and a two-sample bootstrap of the mean difference."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    sizes = (len(x), len(y))
    diff = float(x.mean() - y.mean()) if len(x) and len(y) else None
    if min(sizes) < 2:
        return Test(None, min(sizes), sizes, diff, None, None, None, None)
    rng = np.random.default_rng(RNG_SEED)
    bx = x[rng.integers(0, len(x), size=(RESAMPLES, len(x)))].mean(axis=1)
    by = y[rng.integers(0, len(y), size=(RESAMPLES, len(y)))].mean(axis=1)
    boot = tuple(float(q) for q in np.percentile(bx - by, [2.5, 97.5]))
    if x.std() == 0 and y.std() == 0:
        return Test("Welch", min(sizes), sizes, diff, None, (diff, diff), boot, None)
    result = stats.ttest_ind(x, y, equal_var=False)
    ci = result.confidence_interval(LEVEL)
    p = float(result.pvalue)
    return Test("Welch", min(sizes), sizes, diff, None, (ci.low, ci.high), boot, p)


def contrast(setting: dict[tuple, float], baseline: dict[tuple, float]) -> Test:
    """Paired on the pairing keys both have (two or more); Welch when none is shared."""
    common = [k for k in baseline if k in setting]
    if len(common) >= 2 or (common and (len(setting) < 2 or len(baseline) < 2)):
        x = np.array([setting[k] for k in common])
        return paired_test(x, np.array([baseline[k] for k in common]))
    return welch_test(np.array(list(setting.values())), np.array(list(baseline.values())))


def job_value(job: Job, metric: str) -> float | None:
    return job.value if metric == job.monitor else number(job.metrics.get(metric))


def same_value(a: str, b: str) -> bool:
    """`1e-3` names the setting recorded as `0.001`."""
    x, y = number(a), number(b)
    return a == b or (x is not None and y is not None and math.isclose(x, y, rel_tol=1e-12))


def compare(jobs: list[Job], param: str, baseline: str | None = None) -> Comparison:
    """Every setting of `param` against `baseline` (default: the first setting)."""
    keys = swept(jobs)
    if param not in keys:
        values = sorted({j.overrides.get(param, "(not set)") for j in jobs})
        varied = ", ".join(k for k in keys if not is_repeat(k)) or "none"
        raise CompareError(
            f"--compare {param}: the runs give it one value ({', '.join(values)}); "
            f"compare a parameter the sweep varied ({varied})."
        )
    every = dict.fromkeys(k for j in jobs for k in j.overrides)
    pair_keys = [k for k in every if k != param and (k in keys or is_repeat(k))]
    order = list(dict.fromkeys(j.overrides.get(param, "") for j in jobs))
    if baseline is None:
        baseline = order[0]
    chosen = next((v for v in order if same_value(v, baseline)), None)
    if chosen is None:
        raise CompareError(
            f"--baseline {baseline} is not a setting of {param}; it takes {', '.join(order)}."
        )
    metrics = [m for m in metric_names(jobs) if any(job_value(j, m) is not None for j in jobs)]
    monitor = next((j.monitor for j in jobs if j.monitor), None)
    monitor_base = monitor.removesuffix("_best") if monitor else None
    mode = next((j.mode for j in jobs if j.mode), None)
    directions = {m: direction(m, monitor_base, mode) for m in metrics}
    settings = []
    for value in order:
        members = [j for j in jobs if j.overrides.get(param, "") == value]
        ok = [j for j in members if j.status == "ok"]
        values: dict[str, dict[tuple, float]] = {m: {} for m in metrics}
        for job in ok:
            key = tuple(job.overrides.get(k, "") for k in pair_keys)
            for m in metrics:
                v = job_value(job, m)
                if v is not None:
                    values[m].setdefault(key, v)
        settings.append(Setting(value, values, len(ok), len(members) - len(ok)))
    base = next(s for s in settings if s.value == chosen)
    others = [s for s in settings if s is not base]
    for s in others:
        s.tests = {m: contrast(s.values[m], base.values[m]) for m in metrics}
    use_holm = len(others) >= 2
    for m in metrics:
        ps = [s.tests[m].p for s in others]
        for s, p in zip(others, holm(ps) if use_holm else ps, strict=True):
            s.tests[m].p_adjusted = p
    return Comparison(param, chosen, metrics, directions, settings, pair_keys, use_holm)


def short_name(param: str) -> str:
    """`model.optimizer.lr` as `lr`, `model/net` as `net`."""
    return param.replace("/", ".").split(".")[-1]


def label(param: str, value: str) -> str:
    return f"{short_name(param)}={value}"


def decimals(spread: float | None) -> int | None:
    """Decimals that show `spread` to two significant digits (None: no spread to go by)."""
    if spread is None or spread == 0 or not math.isfinite(spread):
        return None
    return min(8, max(0, 1 - math.floor(math.log10(abs(spread)))))


def num(value: float, places: int | None = None, sign: bool = False) -> str:
    """`value` to `places` decimals, or two significant digits without them."""
    plus = "+" if sign else ""
    if places is None:
        return f"{value:{plus}.3g}" if abs(value) >= 10 else f"{value:{plus}.2g}"
    return f"{value:{plus}.{places}f}"


def p_text(p: float) -> str:
    return "p<0.001" if p < 0.001 else f"p={p:.2g}"


def repeats_word(pair_keys: list[str], n: int) -> str:
    if pair_keys and all(k == "seed" for k in pair_keys):
        noun = "seed"
    elif pair_keys and all(is_repeat(k) and k != "seed" for k in pair_keys):
        noun = "fold"
    else:
        noun = "pair"
    return f"{n} {noun}{'' if n == 1 else 's'}"


def sentence(comparison: Comparison, setting: Setting, metric: str) -> str:
    """The plain-words verdict on one setting against the baseline on one metric."""
    test = setting.tests[metric]
    this = label(comparison.param, setting.value)
    base = label(comparison.param, comparison.baseline)
    way = comparison.directions[metric]
    scale, unit = (100.0, " points") if is_fraction(metric) else (1.0, "")
    if test.kind == "Welch":
        runs = (
            f"{test.sizes[0]} vs {test.sizes[1]} runs, unpaired (seeds do not pair): Welch's test"
        )
    else:
        runs = repeats_word(comparison.pair_keys, test.n)
    p = test.p_adjusted
    if test.diff is None or test.t_interval is None:
        return f"{this} vs {base} on {metric}: no difference shown with {runs}: run more."
    lo, hi = (v * scale for v in test.t_interval)
    signed = test.diff * scale
    places = decimals((hi - lo) / 2)  # every number in the sentence to the interval's precision
    holm_note = ", Holm-adjusted" if comparison.holm else ""
    if p is None:
        if test.diff == 0:
            return f"{this} vs {base} on {metric}: identical on all {runs}."
        return (
            f"{this} vs {base} on {metric}: {num(signed)}{unit} on every one of {runs}, no "
            "spread to test: run more."
        )
    if p >= ALPHA:
        return (
            f"{this} vs {base} on {metric}: no difference shown with {runs} "
            f"({num(signed, places, sign=True)}{unit}, 95% CI {num(lo, places)}.."
            f"{num(hi, places)}, {p_text(p)}{holm_note}): run more."
        )
    amount = abs(signed)
    spread = f" ± {num(test.std * scale, places)}" if test.std is not None else ""
    low, high = (lo, hi) if signed > 0 else (-hi, -lo)
    if way is None:
        verb = f"gives {'higher' if signed > 0 else 'lower'} {metric} than {base} by"
        target = ""
    else:
        better = (signed > 0) == (way == "max")
        verb = f"is {'better' if better else 'worse'} than {base} by"
        target = f" of {metric}"
    lower = "lower is better; " if way == "min" else ""
    return (
        f"{this} {verb} {num(amount, places)}{spread}{unit}{target} ({lower}95% CI "
        f"{num(low, places)}..{num(high, places)}, {runs}, {p_text(p)}{holm_note})"
    )


def sentences(comparison: Comparison) -> list[str]:
    return [
        sentence(comparison, s, m)
        for s in comparison.settings
        if s.value != comparison.baseline
        for m in comparison.metrics
    ]


def notes(comparison: Comparison) -> list[str]:
    """How the numbers were made, in a line each."""
    pairs = ", ".join(comparison.pair_keys) or "nothing (one run per setting)"
    lines = [
        f"baseline {label(comparison.param, comparison.baseline)}; differences are setting "
        f"minus baseline, paired by {pairs}; 95% intervals: paired t (and a paired bootstrap "
        f"of {RESAMPLES} resamples); p: paired t-test (Welch's where no seeds pair)",
    ]
    if comparison.holm:
        others = len(comparison.settings) - 1
        lines.append(f"p-values Holm-adjusted over the {others} comparisons of each metric")
    if comparison.failed:
        by = ", ".join(
            f"{label(comparison.param, s.value)}: {s.failed}"
            for s in comparison.settings
            if s.failed
        )
        runs = "run" if comparison.failed == 1 else "runs"
        lines.append(f"{comparison.failed} failed {runs} left out ({by})")
    return lines


def summary_stats(values: list[float]) -> tuple[float | None, float | None]:
    """Mean and sample std (n - 1) of a setting's values."""
    if not values:
        return None, None
    array = np.asarray(values, float)
    return float(array.mean()), float(array.std(ddof=1)) if len(array) > 1 else None


def mean_interval(values: list[float]) -> tuple[float, float] | None:
    """The 95% t interval of a setting's mean (what the figure's bars show)."""
    if len(values) < 2:
        return None
    array = np.asarray(values, float)
    half = stats.t.ppf(0.5 + LEVEL / 2, len(array) - 1) * stats.sem(array)
    return float(array.mean() - half), float(array.mean() + half)
