"""Table rows (a CSV file or a DataFrame) -> class probabilities or values, encoded exactly as
the training rows were: the checkpoint's spec holds the fitted `TableEncoder` state."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from omegaconf import DictConfig

from litlab.data.frames import read_csv
from litlab.data.table_encoding import TableEncoder
from litlab.errors import ConfigError, DataError
from litlab.models.base import LitModule

log = logging.getLogger(__name__)


def table_encoder(model: LitModule, source: str) -> TableEncoder:
    """The encoder the model's training rows went through, rebuilt from its checkpoint."""
    state = model.spec.extra.get("encoder")
    if state is None:
        raise ConfigError(
            "this checkpoint predates stored table encodings, so new rows cannot be encoded "
            "as its training rows were; retrain it to predict on CSV rows."
        )
    return TableEncoder.from_state(state, source)


def encode_rows(
    model: LitModule, frame: pd.DataFrame, source: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """`frame`'s rows as the model's (x_num, x_cat) inputs; one sentence when a column the
    model was trained on is missing. Unseen categories take the unknown slot, as in training."""
    encoder = table_encoder(model, source)
    needed = [*encoder.types.numeric, *encoder.types.categorical]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        raise DataError(
            f"{source} has no column {names}, which the model was trained on "
            f"(it needs {', '.join(map(repr, needed))})."
        )
    for column in encoder.types.categorical:
        unseen = set(encoder.category_strings(frame[column])) - set(encoder.vocab[column])
        if unseen:
            log.warning(
                "%s: %d value(s) of column %r never seen in training (e.g. %r) are encoded as "
                "unknown, as in training.",
                source,
                len(unseen),
                column,
                sorted(unseen)[0],
            )
    return encoder.transform(frame)


def predict_rows(model: LitModule, frame: pd.DataFrame) -> pd.DataFrame:
    """Per row of `frame`: a classifier's `prediction` (class name) and `p_<class>` for each
    class, or a regressor's `prediction` in the target's units; columns the model was not
    trained on (the target too) are ignored."""
    return rows_predictions(model, frame, "the input rows")


@torch.no_grad()
def rows_predictions(model: LitModule, frame: pd.DataFrame, source: str) -> pd.DataFrame:
    x_num, x_cat = encode_rows(model, frame, source)
    out = model(x_num.to(model.device), x_cat.to(model.device))
    if model.spec.target == "class":
        probabilities = out.softmax(1).cpu().numpy()
        names = list(model.spec.class_names) or [str(i) for i in range(out.shape[1])]
        table = pd.DataFrame(probabilities, columns=[f"p_{n}" for n in names], index=frame.index)
        table.insert(0, "prediction", np.asarray(names, dtype=object)[probabilities.argmax(1)])
        return table
    values = model.unscale(out).cpu().numpy().reshape(len(frame), -1)
    if values.shape[1] == 1:
        return pd.DataFrame({"prediction": values[:, 0]}, index=frame.index)
    columns = [f"prediction_{i + 1}" for i in range(values.shape[1])]
    return pd.DataFrame(values, columns=columns, index=frame.index)


def write_table(model: LitModule, inputs: Path, out: Path, cfg: DictConfig) -> Path:
    """`out/predictions.csv`: the input rows' index (`row`, from 0) and the predicted columns."""
    if not inputs.is_file() or inputs.suffix.lower() != ".csv":
        raise ConfigError(f"inputs={inputs}: a model trained on table rows reads a CSV file.")
    table = rows_predictions(model, read_csv(inputs), str(inputs))
    out.mkdir(parents=True, exist_ok=True)  # only now: a refused input leaves no folder
    path = out / "predictions.csv"
    table.to_csv(path, index_label="row")
    return path
