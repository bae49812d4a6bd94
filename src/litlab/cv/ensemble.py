"""Averaging members' test predictions, and the table that sets the average beside each
member and the mean member."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, mean_absolute_error, root_mean_squared_error

from litlab.cv.members import Predictions
from litlab.errors import ConfigError
from litlab.utils.csv_rows import write_rows


def scores(values: np.ndarray, targets: np.ndarray, target: str) -> dict[str, float]:
    """Test metrics of predictions, named as the models log them (DESIGN.md)."""
    if target == "class":
        return {"test/acc": float(accuracy_score(targets, values.argmax(1)))}
    y, pred = targets.reshape(len(targets), -1), values.reshape(len(values), -1)
    return {
        "test/rmse": float(root_mean_squared_error(y, pred)),
        "test/mae": float(mean_absolute_error(y, pred)),
    }


def same_targets(names: list[str], members: list[Predictions]) -> np.ndarray:
    """The test targets all members answer; one sentence when they were not one test set."""
    first = members[0]
    for name, member in zip(names[1:], members[1:], strict=True):
        if member.target != first.target or member.targets.shape != first.targets.shape:
            raise ConfigError(
                f"{name} was not tested on the same data as {names[0]}; an ensemble needs "
                "members of one data (the same test set)."
            )
        if not np.allclose(member.targets, first.targets, rtol=1e-4, atol=1e-4):
            raise ConfigError(
                f"{name} and {names[0]} give different targets for the same test rows; an "
                "ensemble needs members of one data and one test split."
            )
    return first.targets


def average(names: list[str], members: list[Predictions]) -> dict[str, Any]:
    """Each member's test metrics, their mean, and those of the mean prediction (class
    probabilities or values averaged over the members)."""
    if len(members) < 2:
        raise ConfigError("an ensemble needs at least two members.")
    targets = same_targets(names, members)
    kind = members[0].target
    rows = [
        {"model": name, **scores(member.values, targets, kind)}
        for name, member in zip(names, members, strict=True)
    ]
    keys = [k for k in rows[0] if k != "model"]
    mean_member = {k: float(np.mean([r[k] for r in rows])) for k in keys}
    averaged = np.mean([m.values for m in members], axis=0)
    return {
        "members": rows,
        "mean_member": mean_member,
        "ensemble": scores(averaged, targets, kind),
        "how": "mean of class probabilities" if kind == "class" else "mean of predicted values",
    }


def table_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The members, the mean member, the ensemble and (when fitted) the stacking as rows."""
    rows = [dict(r) for r in result["members"]]
    rows.append({"model": "mean member", **result["mean_member"]})
    rows.append({"model": f"ensemble ({result['how']})", **result["ensemble"]})
    if result.get("stacking"):
        stacking = result["stacking"]
        rows.append({"model": f"stacking ({stacking['how']})", **stacking["metrics"]})
    return rows


def write_table(result: dict[str, Any], path: Path) -> Path:
    """The rows as CSV at `path`."""
    return write_rows(table_rows(result), path)


def print_table(result: dict[str, Any]) -> None:
    """The rows as a rich table on the console."""
    from rich.console import Console
    from rich.table import Table

    rows = table_rows(result)
    table = Table(title="Ensemble on the test set")
    for key in rows[0]:
        table.add_column(key, justify="left" if key == "model" else "right")
    for row in rows:
        table.add_row(*(f"{v:.4f}" if isinstance(v, float) else str(v) for v in row.values()))
    Console().print(table)
