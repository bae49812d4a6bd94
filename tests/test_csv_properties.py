"""Property tests for the CSV loaders: random tables and series, written as real files with what
real CSV files hold (missing-value markers, padded cells, CRLF, a byte-order mark, quoted commas
and line breaks, codes with leading zeros, thousands of columns).

A valid file loads (datamodule `setup`) into batches whose values decode back to exactly what it
holds, after the documented missing-value and gap rules; it is refused only for a reason the
test derives from the file itself (too few rows, a constant target...). A corrupt file stops
with a `LitlabError` of one sentence. Never another exception, never a silently wrong value.

Each run draws new examples from the seed `conftest.py` prints in the session header
(`LITLAB_HYPOTHESIS_SEED=N` repeats a run).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import random
import re
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, note, seed, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from litlab.data import TabularDataModule, TimeSeriesDataModule
from litlab.data.table_encoding import MISSING
from litlab.errors import LitlabError

SEED = int(os.environ.get("LITLAB_HYPOTHESIS_SEED", "0"))
SETTINGS = settings(
    max_examples=50,
    deadline=None,
    database=None,  # a fresh draw every run, not the last run's failures first
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NAMES = ["a", "b", "c", "d", "x y", "é", "Unit Price"]
WORDS = ["red", "green", "blue", "x y", "é", "q,r", 'say "hi"', "two\nlines", "a, b"]
KINDS = ["int", "float", "text", "bool", "mixed", "code"]
GAPS = ["", "NA", "None", "nan", "?", "N/A", "null"]


# these nets are tiny: on a busy 2-core machine extra intra-op threads only contend
pytestmark = pytest.mark.usefixtures("one_thread")


def assert_one_sentence(error: LitlabError) -> None:
    message = str(error)
    assert message and "\n" not in message, message
    assert message.endswith("."), message
    assert not re.search(r"\.\s+[A-Z]", message), f"more than one sentence: {message}"
    assert "Traceback" not in message


@dataclass
class Layout:
    """How the file is written: line ends, a byte-order mark, padding around cells."""

    crlf: bool = False
    bom: bool = False
    pad: str = ""


layouts = st.builds(
    Layout, crlf=st.booleans(), bom=st.booleans(), pad=st.sampled_from(["", " ", "  ", "\t"])
)


def csv_bytes(header: list[str], rows: list[list[str]], layout: Layout) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n" if layout.crlf else "\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (codecs.BOM_UTF8 if layout.bom else b"") + out.getvalue().encode()


# ---------------------------------------------------------------------- tables
@dataclass
class Table:
    header: list[str]
    kinds: list[str]
    cells: list[list[str | None]]  # the value each cell holds; None = a gap
    written: list[list[str]]  # the text written for it: padded, a gap as one of GAPS


def value(kind: str) -> st.SearchStrategy[str]:
    return {
        "int": st.integers(-3, 3).map(str),
        "float": st.floats(-1e6, 1e6, allow_nan=False).map(repr),
        "text": st.sampled_from(WORDS),
        "bool": st.sampled_from(["True", "False", "true", "FALSE"]),
        "mixed": st.one_of(st.sampled_from(WORDS), st.integers(-5, 5).map(str)),
        "code": st.integers(0, 99).map(lambda n: f"{n:03d}"),  # 007: a code, not 7
    }[kind]


@st.composite
def cell(draw, kind: str, pad: str) -> tuple[str | None, str]:
    """(held, written): a quarter of the cells are gaps, written as any marker of one."""
    if draw(st.sampled_from([False, False, False, True])):
        return None, pad + draw(st.sampled_from(GAPS)) + pad
    text = draw(value(kind))
    return text, draw(st.sampled_from(["", pad])) + text + draw(st.sampled_from(["", pad]))


@st.composite
def tables(draw, pad: str, learnable: bool = False) -> Table:
    """Any table, or with `learnable` one with an input column and rows to split."""
    n_cols = draw(st.integers(2, 5) if learnable else st.one_of(st.just(1), st.integers(2, 5)))
    header = draw(st.lists(st.sampled_from(NAMES), min_size=n_cols, max_size=n_cols, unique=True))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=n_cols, max_size=n_cols))
    n_rows = draw(st.integers(10, 40) if learnable else st.integers(0, 40))
    pairs = [[draw(cell(kind, pad)) for kind in kinds] for _ in range(n_rows)]
    cells = [[held for held, _ in row] for row in pairs]
    written = [[text for _, text in row] for row in pairs]
    return Table(header, kinds, cells, written)


def kind_of(values: list[str]) -> str:
    """What the values of a column are, by the documented rule (independent of the loader)."""
    present = [v for v in values if v is not None]
    if not present:
        return "empty"
    if all(v.lower() in ("true", "false") for v in present):
        return "bool"
    try:
        [float(v) for v in present]
    except ValueError:
        return "text"
    if any(re.match(r"[+-]?0\d", v) for v in present):
        return "code"
    return "int" if all(re.fullmatch(r"[+-]?\d+", v) for v in present) else "float"


def number(text: str) -> float:
    flags = {"true": 1.0, "false": 0.0}
    return flags[text.lower()] if text.lower() in flags else float(text)


def same(text: str, kind: str) -> str | float:
    """A value by what it means: FALSE is False, 1.50 is 1.5."""
    return text.lower() if kind == "bool" else float(text) if kind in ("int", "float") else text


def class_name(text: str, kind: str) -> str:
    if kind == "bool":
        return str(text.lower() == "true")
    return str(int(text)) if kind == "int" else text  # text and codes as written


CORRUPTIONS = [
    "none",
    "empty header",  # valid: pandas calls the column "Unnamed: i"
    "duplicate header",
    "ragged row",
    "not utf-8",
    "empty file",
    "header only",
    "missing target",
    "text forced numeric",
]
VALID = ("none", "empty header")
NUMERIC_KINDS = ("bool", "int", "float", "empty")  # an empty column: numeric, with no values


def write(tmp_path, table: Table, layout: Layout, corruption: str, line: int) -> list[str]:
    """Writes t.csv; returns the column names the loader should give it."""
    header = [layout.pad + name + layout.pad for name in table.header]
    rows = [list(r) for r in table.written]
    if corruption == "duplicate header":
        header[-1] = table.header[0]  # the same name, padded differently
    if corruption == "empty header":
        header[-1] = ""
    if corruption == "ragged row":
        rows[min(line, len(rows)) - 1].append("extra")
    data = csv_bytes(header, rows, layout)
    if corruption == "not utf-8":
        data = data.replace(b"\n", b"\xff\xfe\n", 1)
    if corruption == "empty file":
        data = b""
    if corruption == "header only":
        data = csv_bytes(header, [], layout)
    (tmp_path / "t.csv").write_bytes(data)
    names = list(table.header)
    if corruption == "empty header":
        names[-1] = f"Unnamed: {len(names) - 1}"
    return names


def why_refused(table: Table, header: list[str], target: str) -> str | None:
    """The reason a valid table cannot be learned from, when it has one (a regex of the
    sentence), or None when it must load."""
    t = header.index(target)
    kind = kind_of([r[t] for r in table.cells])
    targets = [same(r[t], kind) for r in table.cells if r[t] is not None]
    # a one-column row of gaps is a blank line, which pandas skips
    one_column = "|has no input columns besides the target|holds no data rows"
    one_column = one_column if len(header) == 1 else ""
    if not table.cells:
        return "holds no data rows"
    if len(set(targets)) < 2:
        return "holds (only the value|no values)" + one_column
    if one_column:
        return "holds (only the value|no values)" + one_column
    if len(targets) < 3:  # a test, a val and a train row
        return "too few to split"
    return None


def check_round_trip(dm: TabularDataModule, table: Table, header: list[str], target: str) -> None:
    """Every split's rows decode to the file's cells: target, numeric and categorical columns,
    and each column has the type its values call for."""
    t = header.index(target)
    kinds = [kind_of([r[c] for r in table.cells]) for c in range(len(header))]
    rows = [r for r in table.cells if r[t] is not None]  # rows with no target are dropped
    assert sum(len(idx) for idx in dm.splits.values()) == len(rows)
    assert sorted(np.concatenate(list(dm.splits.values())).tolist()) == list(range(len(rows)))
    numeric = [h for h, k in zip(header, kinds, strict=True) if k in NUMERIC_KINDS]
    assert dm.encoder.types.numeric == [h for h in numeric if h != target]
    assert dm.encoder.types.categorical == [h for h in header if h not in (*numeric, target)]
    classes = kinds[t] in ("bool", "text", "code") or (
        kinds[t] == "int" and len({r[t] for r in rows}) <= 20
    )
    assert dm.task_ == ("classification" if classes else "regression")
    spec = dm.spec
    train_rows = [rows[i] for i in dm.splits["train"]]
    for split in ("train", "val", "test"):
        dataset = getattr(dm, f"{split}_set")
        x_num, x_cat, y = dataset.tensors
        chosen = [rows[i] for i in dm.splits[split]]
        if classes:
            names = [spec.class_names[i] for i in y.tolist()]
            assert names == [class_name(r[t], kinds[t]) for r in chosen]
        else:
            values = y[:, 0].double().numpy() * dm.y_std + dm.y_mean
            expected = np.array([float(r[t]) for r in chosen])
            error = float32_error(expected, dm.y_mean, dm.y_std)
            assert (np.abs(values - expected) <= error).all()
        # numeric columns: unscaled, a cell is its number or the train median when empty
        unscaled = x_num.double().numpy() * dm.encoder.std + dm.encoder.mean
        for j, column in enumerate(dm.encoder.types.numeric):
            c = header.index(column)
            train_numbers = [number(r[c]) for r in train_rows if r[c] is not None]
            median = float(np.median(train_numbers))
            expected = np.array([median if r[c] is None else number(r[c]) for r in chosen])
            error = float32_error(expected, dm.encoder.mean[j], dm.encoder.std[j])
            assert (np.abs(unscaled[:, j] - expected) <= error).all(), column
        # categorical columns: the cell's text as held; index 0 only for values unseen in training
        for j, column in enumerate(dm.encoder.types.categorical):
            c = header.index(column)
            words = {i: w for w, i in dm.encoder.vocab[column].items()}
            seen = {MISSING if r[c] is None else r[c] for r in train_rows}
            assert set(dm.encoder.vocab[column]) == seen, column
            for code, row in zip(x_cat[:, j].tolist(), chosen, strict=True):
                expected = MISSING if row[c] is None else row[c]
                if code:
                    assert words[code] == expected
                else:
                    assert expected not in seen


def float32_error(expected: np.ndarray, mean: float, std: float) -> np.ndarray:
    """What storing (value - mean) / std as float32 may cost, back in the column's units."""
    return 4 * float(np.finfo(np.float32).eps) * (np.abs(expected - mean) + std)


def load_table(tmp_path, table: Table, layout: Layout, corruption: str, pick: int, line: int):
    header = write(tmp_path, table, layout, corruption, line)
    target = "nope" if corruption == "missing target" else header[pick % len(header)]
    options = {}
    if corruption == "text forced numeric":  # a column holding words, not codes
        options["numeric"] = [
            h
            for c, h in enumerate(header)
            if kind_of([r[c] for r in table.cells]) == "text" and h != target
        ][:1]
    if currently_in_test_context():
        note(f"file: {(tmp_path / 't.csv').read_bytes()!r}; target {target!r}; {options}")
    dm = TabularDataModule(path=str(tmp_path / "t.csv"), target=target, batch_size=8, **options)
    valid = corruption in VALID or (corruption == "text forced numeric" and not options["numeric"])
    try:
        dm.setup("fit")
    except LitlabError as error:
        assert_one_sentence(error)
        if currently_in_test_context():
            event("refused, valid" if valid else "refused, corrupt")
        if valid:
            reason = why_refused(table, header, target)
            empty = re.search(
                r"column '(.*)' of .* has no values in the training split", str(error)
            )
            if empty:  # every value of this column fell outside the training split
                assert any(r[header.index(empty[1])] is None for r in table.cells), str(error)
            else:
                assert reason and re.search(reason, str(error)), str(error)
            if currently_in_test_context():
                event(f"valid, refused: {reason if not empty else 'column with no values'}")
        return None
    assert valid, f"a file with a {corruption} was loaded"
    if currently_in_test_context():
        event("loaded")
    check_round_trip(dm, table, header, target)
    return dm


def effective(corruption: str, table: Table) -> str:
    """The corruption, or "none" where the table has nothing to corrupt that way."""
    if corruption == "duplicate header" and len(table.header) < 2:
        return "none"
    if corruption == "ragged row" and not table.cells:
        return "none"
    return corruption


@seed(SEED)
@SETTINGS
@given(
    data=st.data(),
    layout=layouts,
    corruption=st.sampled_from(CORRUPTIONS) | st.sampled_from(VALID),  # half are valid
    pick=st.integers(0, 4),
    line=st.integers(1, 3),
)
def test_any_table_loads_correctly_or_gets_one_sentence(
    tmp_path_factory, data, layout, corruption, pick, line
):
    table = data.draw(tables(layout.pad))
    corruption = effective(corruption, table)
    load_table(tmp_path_factory.mktemp("table"), table, layout, corruption, pick, line)


def sampled(kind: str, rng: random.Random) -> str:
    """One value of `kind`, as `value` draws it (too many cells for Hypothesis to draw)."""
    return {
        "int": lambda: str(rng.randint(-3, 3)),
        "float": lambda: repr(rng.uniform(-1e6, 1e6)),
        "text": lambda: rng.choice(WORDS),
        "bool": lambda: rng.choice(["True", "False", "true", "FALSE"]),
        "mixed": lambda: rng.choice([*WORDS, *map(str, range(-5, 6))]),
        "code": lambda: f"{rng.randint(0, 99):03d}",
    }[kind]()


@st.composite
def wide_tables(draw, pad: str) -> Table:
    """A target and thousands of columns of one kind, a tenth of their cells gaps."""
    n_cols, n_rows = draw(st.integers(1000, 2000)), draw(st.integers(15, 30))
    kinds = [draw(st.sampled_from(KINDS)), *[draw(st.sampled_from(KINDS))] * (n_cols - 1)]
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    cells = [
        [None if rng.random() < 0.1 else sampled(k, rng) for k in kinds] for _ in range(n_rows)
    ]
    gap = draw(st.sampled_from(GAPS))
    written = [[pad + (gap if v is None else v) + pad for v in row] for row in cells]
    return Table(["y", *(f"f{i:04d}" for i in range(n_cols - 1))], kinds, cells, written)


@seed(SEED)
@SETTINGS
@given(data=st.data(), layout=layouts, empty_header=st.booleans(), pick=st.integers(0, 4))
def test_a_learnable_table_loads_with_the_values_it_holds(
    tmp_path_factory, data, layout, empty_header, pick
):
    table = data.draw(tables(layout.pad, learnable=True))
    t = pick % len(table.header)
    kind = kind_of([r[t] for r in table.cells])
    assume(len({same(r[t], kind) for r in table.cells if r[t] is not None}) >= 3)
    corruption = "empty header" if empty_header else "none"
    dm = load_table(tmp_path_factory.mktemp("table"), table, layout, corruption, pick, 1)
    # refused only when a numeric column's values all fell outside the training split
    assert dm is not None or any(r[c] is None for r in table.cells for c in range(len(r)))


@seed(SEED)
@pytest.mark.slow
@settings(SETTINGS, max_examples=3)
@given(data=st.data(), layout=layouts)
def test_a_table_of_thousands_of_columns_of_one_kind_loads_correctly(
    tmp_path_factory, data, layout
):
    table = data.draw(wide_tables(layout.pad))
    load_table(tmp_path_factory.mktemp("wide"), table, layout, "none", 0, 1)


def test_a_valid_table_is_never_refused(tmp_path):
    """A fixed file with every quirk at once loads, and with its values."""
    table = Table(
        header=["code", "price", "colour", "ok", "y"],
        kinds=["code", "float", "text", "bool", "text"],
        cells=[
            ["007", "1.5", "red", "True", "yes"],
            ["012", None, "two\nlines", "false", "no"],
            [None, "2.5", "q,r", None, "yes"],
            ["100", "3.5", None, "TRUE", "no"],
        ]
        * 5,
        written=[
            [" 007", "1.5 ", " red ", "True", "yes"],
            ["012", "?", "two\nlines", "false", "no"],
            ["NA", "2.5", "q,r", "None", " yes"],
            ["100", "3.5", "", "TRUE", "no "],
        ]
        * 5,
    )
    dm = load_table(tmp_path, table, Layout(crlf=True, bom=True, pad=" "), "none", 4, 1)
    assert dm is not None and dm.encoder.types.numeric == ["price", "ok"]


# ---------------------------------------------------------------------- series
@st.composite
def series(draw):
    n = draw(st.one_of(st.integers(0, 10), *[st.integers(40, 150)] * 3))
    gap_share = draw(st.sampled_from([0.0, 0.05, 0.3]))
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))

    def column(scale: float) -> list[float | None]:
        numbers = draw(st.lists(st.floats(-scale, scale, allow_nan=False), min_size=n, max_size=n))
        return [None if rng.random() < gap_share else x for x in numbers]

    values, extra = column(1e3), column(10)
    time_kind = draw(st.sampled_from(["none", "dates", "dates", "numbers", "garbage"]))
    order = draw(st.permutations(range(n)))
    gaps = draw(st.lists(st.sampled_from(GAPS), min_size=2 * n, max_size=2 * n))
    return values, extra, time_kind, order, gaps


def expected_series(values, extra, fill: str) -> np.ndarray:
    """The gap rule, done independently: (rows, 2) in time order."""
    array = np.array([[np.nan if v is None else v for v in col] for col in (values, extra)]).T
    array = array.reshape(-1, 2)
    if fill == "interpolate":
        for j in range(2):
            col = array[:, j]
            known = np.flatnonzero(~np.isnan(col))
            if len(known):
                inside = np.arange(known[0], known[-1] + 1)
                col[inside] = np.interp(inside, known, col[known])
    return array[~np.isnan(array).any(axis=1)]


def why_series_refused(
    expected: np.ndarray, raw_gaps: bool, fill: str, time_kind: str, window: int, rows: int
) -> str | None:
    """The reason a valid series cannot be windowed, when it has one (a regex)."""
    if rows == 0:
        return "holds no data rows"
    if time_kind == "garbage":
        return "is not a time or number"
    if fill == "none" and raw_gaps:
        return "has missing values left"
    n = len(expected)
    if n == 0:
        return "is constant"
    if len(np.unique(expected[:, 0])) < 2:
        return "is constant"
    n_test, n_val = round(0.2 * n), round(0.1 * n)
    if window > n:
        return "is longer than the"
    if min(n - n_test - n_val, n_val, n_test) < window:
        return "shorter than a window"
    return None


@seed(SEED)
@SETTINGS
@given(
    data=series(),
    layout=layouts,
    fill=st.sampled_from(["interpolate", "drop", "none"]),
    lookback=st.integers(1, 6),
    horizon=st.integers(1, 3),
)
def test_any_series_loads_correctly_or_gets_one_sentence(
    tmp_path_factory, data, layout, fill, lookback, horizon
):
    values, extra, time_kind, order, gaps = data
    tmp_path = tmp_path_factory.mktemp("series")
    n = len(values)
    times = {
        "none": None,
        "dates": [str(np.datetime64("2001-01-01") + i) for i in range(n)],
        "numbers": [str(10 * i) for i in range(n)],
        "garbage": [f"day {i}?" for i in range(n)],
    }[time_kind]
    header = ["v", "w"] + ([] if times is None else ["t"])
    pad = layout.pad

    def written(x: float | None, gap: str) -> str:
        return pad + (gap if x is None else repr(x)) + pad

    rows = []
    for i in order if times is not None else range(n):  # a time column restores the order
        row = [written(values[i], gaps[2 * i]), written(extra[i], gaps[2 * i + 1])]
        rows.append(row + ([] if times is None else [pad + times[i]]))
    (tmp_path / "s.csv").write_bytes(csv_bytes([pad + h for h in header], rows, layout))
    note(f"file: {(tmp_path / 's.csv').read_bytes()!r}")
    dm = TimeSeriesDataModule(
        path=str(tmp_path / "s.csv"),
        target="v",
        inputs=["w"],
        time=None if times is None else "t",
        lookback=lookback,
        horizon=horizon,
        fill=fill,
        batch_size=8,
    )
    expected = expected_series(values, extra, fill)
    raw_gaps = any(v is None for v in (*values, *extra))
    reason = why_series_refused(expected, raw_gaps, fill, time_kind, lookback + horizon, n)
    try:
        dm.setup("fit")
    except LitlabError as error:
        assert_one_sentence(error)
        assert reason and re.search(reason, str(error)), str(error)
        event(f"refused: {reason}")
        return
    assert reason is None, reason
    event("loaded")
    assert len(dm.times) == len(expected)
    for name, (x, y, rows_) in dm.windows.items():
        x = x * dm.std + dm.mean
        y = y * dm.std[0] + dm.mean[0]
        for window, targets, first in zip(x, y, rows_, strict=True):
            assert np.allclose(window, expected[first - lookback : first], rtol=1e-6, atol=1e-6)
            assert np.allclose(targets, expected[first : first + horizon, 0], rtol=1e-6, atol=1e-6)
        assert len(x) > 0, name
