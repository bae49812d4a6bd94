"""The CSV-table model's page: a form of the table's columns, and the model's prediction."""

from __future__ import annotations

from typing import Any

import gradio as gr
import pandas as pd
import pytorch_lightning as pl

from litlab.predictions.tables import predict_rows


def columns(model: pl.LightningModule) -> tuple[list[str], list[str]]:
    """The table's numeric and categorical columns, as the model's spec records them: from the
    stored encoder when there is one (`numeric_columns` also names the missing-value flags)."""
    extra = model.spec.extra
    encoder = extra.get("encoder") or {}
    numeric = encoder.get("numeric", extra.get("numeric_columns", []))
    return list(numeric), list(encoder.get("categorical", extra.get("categorical_columns", [])))


def fields(model: pl.LightningModule) -> list[gr.components.Component]:
    """One input per column, filled with the training rows' median or first category when the
    stored encoder has them."""
    numeric, categorical = columns(model)
    encoder = model.spec.extra.get("encoder") or {}
    medians = encoder.get("medians") or [None] * len(numeric)
    vocab = encoder.get("vocab") or [[] for _ in categorical]
    inputs: list[gr.components.Component] = [
        gr.Number(label=name, value=median, elem_classes="table-field")
        for name, median in zip(numeric, medians, strict=True)
    ]
    inputs += [
        gr.Dropdown(
            choices=list(values),
            value=values[0] if values else None,
            allow_custom_value=True,
            label=name,
            elem_classes="table-field",
        )
        for name, values in zip(categorical, vocab, strict=True)
    ]
    return inputs


def predict_one(model: pl.LightningModule, values: dict[str, Any]) -> dict[str, float] | float:
    """One row's prediction: class probabilities for a classifier, the value for a regressor."""
    row = predict_rows(model, pd.DataFrame([values])).iloc[0]
    if model.spec.target == "class":
        return {name: float(row[f"p_{name}"]) for name in model.spec.class_names}
    return float(row["prediction"])


def page(model: pl.LightningModule, card: str) -> gr.Blocks:
    """One input per column (numbers, or a category) and a button that predicts."""
    numeric, categorical = columns(model)
    target = model.spec.extra.get("target_column", "prediction")

    def predict(*values: Any) -> dict[str, float] | float:
        return predict_one(model, dict(zip([*numeric, *categorical], values, strict=True)))

    with gr.Blocks(title="litlab table model", analytics_enabled=False) as blocks:
        gr.Markdown(card)
        with gr.Row():
            with gr.Column():
                inputs = fields(model)
                button = gr.Button("Predict", elem_id="predict")
            with gr.Column():
                if model.spec.target == "class":
                    out = gr.Label(label=target, elem_id="prediction")
                else:
                    out = gr.Number(label=target, elem_id="prediction")
        button.click(predict, inputs, out)
    return blocks
