"""Reading a user's CSV: the table it holds, or one sentence naming the file and what is wrong."""

from __future__ import annotations

import pandas as pd
import pytest

from litlab.data.frames import as_numbers, read_csv, require_columns, resolve_csv
from litlab.errors import ConfigError, DataError


def refusal(error, call, *args) -> str:
    with pytest.raises(error) as refused:
        call(*args)
    return str(refused.value)


def test_a_path_is_found_as_given_or_under_the_data_folder(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "t.csv").write_text("a\n1\n")
    (tmp_path / "here.csv").write_text("a\n1\n")
    monkeypatch.chdir(tmp_path)
    assert resolve_csv("here.csv", "data") == tmp_path.joinpath("here.csv").relative_to(tmp_path)
    assert resolve_csv("t.csv", "data").resolve() == tmp_path / "data" / "t.csv"
    assert resolve_csv(str(tmp_path / "here.csv"), "data") == tmp_path / "here.csv"
    assert refusal(DataError, resolve_csv, "x.csv", "data", "data.test_path") == (
        "data.test_path=x.csv: no such file here or under data/."
    )
    # an absolute path is never looked for under the data folder
    absent = str(tmp_path / "t.csv")
    assert refusal(DataError, resolve_csv, absent, str(tmp_path / "data")).startswith(
        f"data.path={absent}: no such file"
    )


@pytest.mark.parametrize("path", [None, ""])
def test_no_path_says_which_option_to_set(path):
    assert refusal(ConfigError, resolve_csv, path, "data") == (
        "data.path is not set; give the CSV file to read (data.path=FILE.csv)."
    )
    assert refusal(ConfigError, resolve_csv, path, "data", "data.val_path").startswith(
        "data.val_path is not set; give the CSV file to read (data.val_path=FILE.csv)."
    )


def test_a_well_formed_table_is_read_as_it_is(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,x\n2,y\n")
    frame = read_csv(path)
    assert list(frame.columns) == ["a", "b"] and frame["a"].tolist() == [1, 2]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "a,b\n1,2\n3,4,5\n",
            "is not a well-formed CSV table (line 3 has 3 fields where the header has 2).",
        ),
        (
            "a,b\n1,2,3\n4,5,6\n",
            "is not a well-formed CSV table (line 2 has more fields than the header).",
        ),
        ("", "is empty; it needs a header row and data rows."),
        ("a,b\n", "holds no data rows."),
        ("a,a\n1,2\n", "names more than one column 'a'; rename them apart."),
        ("b,a,b,a\n1,2,3,4\n", "names more than one column 'a'; rename them apart."),
    ],
)
def test_a_malformed_table_is_one_sentence(tmp_path, text, problem):
    path = tmp_path / "t.csv"
    path.write_text(text)
    assert refusal(DataError, read_csv, path) == f"{path} {problem}"


def test_two_unnamed_columns_are_not_a_repeated_name(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(",,a\n1,2,3\n")
    assert read_csv(path).shape == (1, 3)


def test_text_that_is_not_utf8_names_the_byte(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n1,caf\xe9\n")
    assert (
        refusal(DataError, read_csv, path)
        == f"{path} is not UTF-8 text (byte 9); save it as UTF-8."
    )


def test_a_parser_error_without_a_field_count_gives_its_last_line(tmp_path, monkeypatch):
    def parser_error(path, **options):
        raise pd.errors.ParserError("Error tokenizing data.\nEOF inside string starting at row 2.")

    monkeypatch.setattr(pd, "read_csv", parser_error)
    assert refusal(DataError, read_csv, tmp_path / "t.csv") == (
        f"{tmp_path / 't.csv'} is not a well-formed CSV table "
        "(EOF inside string starting at row 2)."
    )


@pytest.mark.parametrize(
    ("error", "shown"),
    [(OSError("disk gone.\nmore"), "OSError: disk gone"), (OSError(), "OSError: ")],
)
def test_any_other_failure_names_its_kind_and_first_line(tmp_path, monkeypatch, error, shown):
    def failing(path, **options):
        raise error

    monkeypatch.setattr(pd, "read_csv", failing)
    assert refusal(DataError, read_csv, tmp_path / "t.csv") == (
        f"{tmp_path / 't.csv'} could not be read as CSV ({shown})."
    )


def test_a_missing_column_lists_the_first_twelve_there_are():
    frame = pd.DataFrame({f"c{i}": [0] for i in range(14)})
    require_columns(frame, ["c0", "c13"], "t.csv", "data.target")
    assert refusal(DataError, require_columns, frame, ["c0", "x"], "t.csv", "data.target") == (
        "data.target: t.csv has no column 'x' (columns: "
        + ", ".join(f"c{i}" for i in range(12))
        + ")."
    )


def test_numbers_booleans_and_gaps_become_floats():
    assert as_numbers(pd.Series([True, False]), "t").tolist() == [1.0, 0.0]
    numbers = as_numbers(pd.Series(["1", "2.5", None], name="a"), "t")
    assert numbers.dtype == float and numbers.tolist()[:2] == [1.0, 2.5] and numbers.isna()[2]
    assert as_numbers(pd.Series([1, 2]), "t").dtype == float


def test_text_in_a_numeric_column_is_refused_with_the_first_bad_value():
    values = pd.Series(["1", "two", "three"], name="a")
    assert refusal(DataError, as_numbers, values, "t.csv") == (
        "column 'a' of t.csv must be numeric but holds 'two'; declare it categorical or drop it."
    )
