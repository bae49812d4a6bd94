"""Table rows to tensors: column types, the train-split missing-value rule, standardisation
and category codes, each checked against numbers worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from litlab.data.table_encoding import MISSING, ColumnTypes, TableEncoder, infer_column_types
from litlab.errors import DataError

FRAME = pd.DataFrame(
    {
        "n": [1.0, 3.0, None, 8.0],  # gap: median 3, and an indicator column
        "flag": [True, False, True, True],
        "colour": ["red", None, "blue", "red"],
        "code": [10, 20, 30, 40],
        "y": [0, 1, 0, 1],
    }
)


def refusal(call, *args, **kwargs) -> str:
    with pytest.raises(DataError) as refused:
        call(*args, **kwargs)
    return str(refused.value)


def test_numbers_and_booleans_are_numeric_anything_else_categorical():
    types = infer_column_types(FRAME, "y", "t.csv")
    assert types == ColumnTypes(["n", "flag", "code"], ["colour"])


def test_the_options_override_the_guess_and_drop_columns():
    types = infer_column_types(FRAME, "y", "t.csv", categorical=["code"], drop=["flag"])
    assert types == ColumnTypes(["n"], ["colour", "code"])
    text_numbers = FRAME.assign(colour=["1", "2", None, "3"])
    types = infer_column_types(text_numbers, "code", "t.csv", numeric=["colour"])
    assert types == ColumnTypes(["n", "flag", "colour", "y"], [])


@pytest.mark.parametrize("option", ["categorical", "numeric", "drop"])
def test_an_option_naming_no_column_is_refused(option):
    assert refusal(infer_column_types, FRAME, "y", "t.csv", **{option: ["nope"]}) == (
        f"data.{option}: t.csv has no column 'nope' (columns: n, flag, colour, code, y)."
    )


def test_declaring_text_numeric_or_leaving_no_inputs_is_refused():
    assert refusal(infer_column_types, FRAME, "y", "t.csv", numeric=["colour"]).startswith(
        "column 'colour' of t.csv must be numeric but holds 'red'"
    )
    assert refusal(infer_column_types, FRAME[["n", "y"]], "y", "t.csv", drop=["n"]) == (
        "t.csv has no input columns besides the target 'y'."
    )


def fitted() -> TableEncoder:
    return TableEncoder(infer_column_types(FRAME, "y", "t.csv"), "t.csv").fit(FRAME)


def test_numeric_gaps_take_the_training_median_and_an_indicator_then_all_is_standardised():
    encoder = fitted()
    assert encoder.medians == {"n": 3.0, "flag": 1.0, "code": 25.0}
    assert encoder.indicators == ["n"]
    assert encoder.numeric_names == ["n", "flag", "code", "n__missing"]
    filled = np.array([[1, 1, 10, 0], [3, 0, 20, 0], [3, 1, 30, 1], [8, 1, 40, 0]], dtype=float)
    assert np.allclose(encoder.mean, filled.mean(0)) and np.allclose(encoder.std, filled.std(0))
    x_num, _ = encoder.transform(FRAME)
    assert x_num.dtype == torch.float32 and x_num.shape == (4, 4)
    assert torch.allclose(x_num, torch.tensor((filled - filled.mean(0)) / filled.std(0)).float())
    assert x_num[:, 0].tolist() == pytest.approx(
        [(v - 3.75) / math.sqrt(6.6875) for v in (1, 3, 3, 8)], rel=1e-6
    )


def test_categories_are_coded_from_one_in_sorted_order_with_zero_for_unseen_values():
    encoder = fitted()
    assert encoder.vocab == {"colour": {MISSING: 1, "blue": 2, "red": 3}}
    assert encoder.categories == (4,)  # the unknown slot included
    _, x_cat = encoder.transform(FRAME)
    assert x_cat.dtype == torch.int64 and x_cat[:, 0].tolist() == [3, 1, 2, 3]
    new = FRAME.assign(colour=["green", "blue", None, "red"], n=[None, None, None, 2.0])
    x_num, x_cat = encoder.transform(new)
    assert x_cat[:, 0].tolist() == [0, 2, 1, 3]
    # val/test gaps take the training median, and their indicator is set
    filled_n = (3 - 3.75) / math.sqrt(6.6875)
    assert x_num[:3, 0].tolist() == pytest.approx([filled_n] * 3, rel=1e-6)
    gap, no_gap = (1 - 0.25) / math.sqrt(0.1875), -0.25 / math.sqrt(0.1875)
    assert x_num[:, 3].tolist() == pytest.approx([gap, gap, gap, no_gap], rel=1e-6)


def test_a_constant_column_is_centred_not_divided_by_zero():
    frame = pd.DataFrame({"c": [5.0, 5.0, 5.0], "y": [0, 1, 0]})
    encoder = TableEncoder(ColumnTypes(["c"], []), "t.csv").fit(frame)
    assert encoder.std.tolist() == [1.0] and encoder.mean.tolist() == [5.0]
    x_num, x_cat = encoder.transform(frame)
    assert x_num.tolist() == [[0.0]] * 3 and x_cat.shape == (3, 0)
    assert encoder.categories == ()


def test_no_numeric_columns_give_an_empty_matrix():
    frame = pd.DataFrame({"c": ["a", "b"], "y": [0, 1]})
    encoder = TableEncoder(ColumnTypes([], ["c"]), "t.csv").fit(frame)
    x_num, x_cat = encoder.transform(frame)
    assert x_num.shape == (2, 0) and x_cat[:, 0].tolist() == [1, 2]


def test_the_state_is_plain_values_and_restores_the_same_encoding():
    encoder = fitted()
    state = encoder.state()
    assert state == {
        "numeric": ["n", "flag", "code"],
        "categorical": ["colour"],
        "medians": [3.0, 1.0, 25.0],
        "indicators": ["n"],
        "mean": pytest.approx(list(encoder.mean)),
        "std": pytest.approx(list(encoder.std)),
        "vocab": [[MISSING, "blue", "red"]],
    }
    assert all(type(v) is float for v in state["mean"] + state["std"])
    restored = TableEncoder.from_state(state, "t.csv")
    assert restored.vocab == encoder.vocab and restored.medians == encoder.medians
    assert restored.indicators == ["n"] and restored.types == encoder.types
    new = FRAME.assign(colour=["green", "blue", None, "red"], n=[None, 2.0, None, 9.0])
    for a, b in zip(restored.transform(new), encoder.transform(new), strict=True):
        assert torch.equal(a, b)


def test_a_column_with_no_training_values_is_refused():
    frame = FRAME.assign(n=[None] * 4)
    types = ColumnTypes(["n"], [])
    assert refusal(TableEncoder(types, "t.csv").fit, frame) == (
        "column 'n' of t.csv has no values in the training split, so its gaps cannot be "
        "filled; drop it with data.drop=[n]."
    )


def test_infinite_values_are_refused_naming_their_column():
    frame = FRAME.assign(code=[1.0, 2.0, np.inf, 4.0])
    types = infer_column_types(frame, "y", "t.csv")
    message = (
        "column 'code' of t.csv still holds NaN or infinite values after the missing-value "
        "rule; clean or drop it."
    )
    assert refusal(TableEncoder(types, "t.csv").fit, frame) == message
    encoder = fitted()
    assert refusal(encoder.transform, FRAME.assign(code=[1.0, -np.inf, 3.0, 4.0])) == message
