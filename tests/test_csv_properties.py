"""Property tests for the CSV loaders: random tables, well-formed or not, written as real files.

Loading one (datamodule `setup`) either gives batches whose values decode back to exactly what
the file holds (after the documented missing-value and gap rules), or stops with a
`LitlabError` of one sentence. Never another exception, never a silently wrong value.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from litlab.data import TabularDataModule, TimeSeriesDataModule
from litlab.data.table_encoding import MISSING
from litlab.errors import LitlabError

SETTINGS = settings(
    max_examples=50,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),  # CI: the same examples every run; here: new ones
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NAMES = ["a", "b", "c", "d", "x y", "é"]
WORDS = ["red", "green", "blue", "x y", "é", "q,r", 'say "hi"']
KINDS = ["int", "float", "text", "bool", "mixed"]


# these nets are tiny: on a busy 2-core machine extra intra-op threads only contend
pytestmark = pytest.mark.usefixtures("one_thread")


def assert_one_sentence(error: LitlabError) -> None:
    message = str(error)
    assert message and "\n" not in message, message
    assert message.endswith("."), message
    assert not re.search(r"\.\s+[A-Z]", message), f"more than one sentence: {message}"
    assert "Traceback" not in message


# ---------------------------------------------------------------------- tables
@dataclass
class Table:
    header: list[str]
    kinds: list[str]
    rows: list[list[str | None]]  # cell text as written; None = empty cell


def cell(kind: str) -> st.SearchStrategy[str | None]:
    values = {
        "int": st.integers(0, 3).map(str),
        "float": st.floats(-1e6, 1e6, allow_nan=False).map(repr),
        "text": st.sampled_from(WORDS),
        "bool": st.sampled_from(["True", "False"]),
        "mixed": st.one_of(st.sampled_from(WORDS), st.integers(-5, 5).map(str)),
    }[kind]
    return st.one_of(values, values, values, st.none())  # a quarter of the cells missing


@st.composite
def tables(draw) -> Table:
    n_cols = draw(st.integers(1, 4))
    header = draw(st.lists(st.sampled_from(NAMES), min_size=n_cols, max_size=n_cols, unique=True))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=n_cols, max_size=n_cols))
    n_rows = draw(st.integers(0, 30))
    rows = [[draw(cell(kind)) for kind in kinds] for _ in range(n_rows)]
    return Table(header, kinds, rows)


def csv_text(header: list[str], rows: list[list[str | None]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return out.getvalue()


CORRUPTIONS = [
    "none",
    "duplicate header",
    "empty header",
    "ragged row",
    "not utf-8",
    "empty file",
    "header only",
    "missing target",
    "text forced numeric",
]


def write(tmp_path, table: Table, corruption: str, line: int = 1) -> list[str]:
    """Writes t.csv; returns the column names pandas gives it (an empty name: 'Unnamed: i')."""
    header, rows = list(table.header), [list(r) for r in table.rows]
    if corruption == "duplicate header" and len(header) > 1:
        header[-1] = header[0]
    if corruption == "empty header":
        header[-1] = ""
    text = csv_text(header, rows)
    if corruption == "ragged row" and rows:
        lines = text.splitlines()
        lines[min(line, len(lines) - 1)] += ",extra"  # line 1: the first data row
        text = "\n".join(lines) + "\n"
    data = text.encode()
    if corruption == "not utf-8":
        data = data.replace(b"\n", b"\xff\xfe\n", 1)
    if corruption == "empty file":
        data = b""
    if corruption == "header only":
        data = csv_text(header, []).encode()
    (tmp_path / "t.csv").write_bytes(data)
    return [name or f"Unnamed: {i}" for i, name in enumerate(header)]


def check_round_trip(dm: TabularDataModule, table: Table, header: list[str], target: str) -> None:
    """Every split's rows decode to the file's cells: target, numeric and categorical columns."""
    t = header.index(target)
    rows = [r for r in table.rows if r[t] is not None]  # rows with no target are dropped
    assert sum(len(idx) for idx in dm.splits.values()) == len(rows)
    spec = dm.spec
    train_rows = [rows[i] for i in dm.splits["train"]]
    for split in ("train", "val", "test"):
        dataset = getattr(dm, f"{split}_set")
        x_num, x_cat, y = dataset.tensors
        chosen = [rows[i] for i in dm.splits[split]]
        # the target
        if dm.task_ == "classification":
            names = [spec.class_names[i] for i in y.tolist()]
            assert names == [r[t] for r in chosen]
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
        # categorical columns: index 0 only for values never seen in training
        for j, column in enumerate(dm.encoder.types.categorical):
            c = header.index(column)
            words = {i: w for w, i in dm.encoder.vocab[column].items()}
            seen = {MISSING if r[c] is None else r[c] for r in train_rows}
            for code, row in zip(x_cat[:, j].tolist(), chosen, strict=True):
                expected = MISSING if row[c] is None else row[c]
                if code:
                    assert words[code] == expected
                else:
                    assert expected not in seen


def float32_error(expected: np.ndarray, mean: float, std: float) -> np.ndarray:
    """What storing (value - mean) / std as float32 may cost, back in the column's units."""
    return 4 * float(np.finfo(np.float32).eps) * (np.abs(expected - mean) + std)


def number(text: str) -> float:
    return {"True": 1.0, "False": 0.0}[text] if text in ("True", "False") else float(text)


@SETTINGS
@given(
    table=tables(),
    corruption=st.sampled_from(CORRUPTIONS),
    pick=st.integers(0, 3),
    line=st.integers(1, 3),
)
def test_any_table_loads_correctly_or_gets_one_sentence(
    tmp_path_factory, table, corruption, pick, line
):
    tmp_path = tmp_path_factory.mktemp("table")
    header = write(tmp_path, table, corruption, line)
    target = "nope" if corruption == "missing target" else table.header[pick % len(table.header)]
    options = {}
    if corruption == "text forced numeric":
        texts = [h for h, k in zip(table.header, table.kinds, strict=True) if k == "text"]
        options["numeric"] = texts[:1]
    dm = TabularDataModule(path=str(tmp_path / "t.csv"), target=target, batch_size=8, **options)
    try:
        dm.setup("fit")
    except LitlabError as error:
        assert_one_sentence(error)
        return
    assert corruption in ("none", "text forced numeric", "ragged row", "empty header"), corruption
    check_round_trip(dm, table, header, target)


# ---------------------------------------------------------------------- series
@st.composite
def series(draw):
    n = draw(st.integers(0, 40))
    values = draw(
        st.lists(
            st.one_of(st.floats(-1e3, 1e3, allow_nan=False), st.none()), min_size=n, max_size=n
        )
    )
    extra = draw(
        st.lists(st.one_of(st.floats(-10, 10, allow_nan=False), st.none()), min_size=n, max_size=n)
    )
    time_kind = draw(st.sampled_from(["none", "dates", "numbers", "garbage"]))
    order = draw(st.permutations(range(n)))
    return values, extra, time_kind, order


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


@SETTINGS
@given(
    data=series(),
    fill=st.sampled_from(["interpolate", "drop", "none"]),
    lookback=st.integers(1, 6),
    horizon=st.integers(1, 3),
)
def test_any_series_loads_correctly_or_gets_one_sentence(
    tmp_path_factory, data, fill, lookback, horizon
):
    values, extra, time_kind, order = data
    tmp_path = tmp_path_factory.mktemp("series")
    n = len(values)
    times = {
        "none": None,
        "dates": [f"2001-01-{1 + i:02d}" if i < 31 else f"2001-02-{i - 30:02d}" for i in range(n)],
        "numbers": [str(10 * i) for i in range(n)],
        "garbage": [f"day {i}?" for i in range(n)],
    }[time_kind]
    header = ["v", "w"] + ([] if times is None else ["t"])
    rows = []
    for i in order if times is not None else range(n):  # a time column restores the order
        row = [None if values[i] is None else repr(values[i])]
        row.append(None if extra[i] is None else repr(extra[i]))
        rows.append(row + ([] if times is None else [times[i]]))
    (tmp_path / "s.csv").write_text(csv_text(header, rows))
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
    try:
        dm.setup("fit")
    except LitlabError as error:
        assert_one_sentence(error)
        return
    assert time_kind != "garbage"
    expected = expected_series(values, extra, fill)
    assert len(dm.times) == len(expected)
    for name, (x, y, rows_) in dm.windows.items():
        x = x * dm.std + dm.mean
        y = y * dm.std[0] + dm.mean[0]
        for window, targets, first in zip(x, y, rows_, strict=True):
            assert np.allclose(window, expected[first - lookback : first], rtol=1e-6, atol=1e-6)
            assert np.allclose(targets, expected[first : first + horizon, 0], rtol=1e-6, atol=1e-6)
        assert len(x) > 0, name
