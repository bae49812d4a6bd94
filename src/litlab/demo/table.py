"""The CSV-table model's page: a form of the table's columns, and the model's prediction."""

from __future__ import annotations

from typing import Any

import gradio as gr
import pandas as pd
import pytorch_lightning as pl

from litlab.errors import ConfigError

try:  # added by the table-predictions work; the page says so until it is there
    from litlab.predictions.tables import predict_rows
except ImportError:
    predict_rows = None


def columns(model: pl.LightningModule) -> tuple[list[str], list[str]]:
    """The numeric and categorical input columns the model's table had (its spec records them)."""
    extra = model.spec.extra
    return list(extra.get("numeric_columns", [])), list(extra.get("categorical_columns", []))


def predict_one(model: pl.LightningModule, values: dict[str, Any]) -> dict[str, float] | float:
    """One row's prediction: class probabilities for a classifier, the value for a regressor."""
    row = predict_rows(model, pd.DataFrame([values])).iloc[0]
    if model.spec.target == "class":
        return {name: float(row[f"p_{name}"]) for name in model.spec.class_names}
    return float(row["prediction"])


def page(model: pl.LightningModule, card: str) -> gr.Blocks:
    """One input per column (numbers, or text for categories) and a button that predicts."""
    if predict_rows is None:
        raise ConfigError(
            "this litlab cannot predict on table rows yet (no litlab.predictions.tables); "
            "update litlab to serve a CSV model."
        )
    numeric, categorical = columns(model)
    target = model.spec.extra.get("target_column", "prediction")

    def predict(*values: Any) -> dict[str, float] | float:
        return predict_one(model, dict(zip([*numeric, *categorical], values, strict=True)))

    with gr.Blocks(title="litlab table model", analytics_enabled=False) as blocks:
        gr.Markdown(card)
        with gr.Row():
            with gr.Column():
                fields = [gr.Number(label=name, elem_classes="column") for name in numeric]
                fields += [gr.Textbox(label=name, elem_classes="column") for name in categorical]
                button = gr.Button("Predict", elem_id="predict")
            with gr.Column():
                if model.spec.target == "class":
                    out = gr.Label(label=target, elem_id="prediction")
                else:
                    out = gr.Number(label=target, elem_id="prediction")
        button.click(predict, fields, out)
    return blocks
