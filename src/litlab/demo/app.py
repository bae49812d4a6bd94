"""Load a checkpoint, pick the page for its kind of model, serve it on this machine."""

from __future__ import annotations

import logging
from pathlib import Path

import gradio as gr
import pytorch_lightning as pl
from omegaconf import DictConfig

from litlab.demo import classifier, generator, table
from litlab.demo.card import model_card
from litlab.errors import ConfigError
from litlab.utils.checkpoints import load_model

log = logging.getLogger(__name__)


def build(model: pl.LightningModule, cfg: DictConfig) -> gr.Blocks:
    """The page for the model's kind; one sentence for a model no page shows."""
    spec = model.spec
    card = model_card(model, Path(str(cfg.ckpt_path)))
    if spec.input_kind == "image" and callable(getattr(model, "sample", None)):
        return generator.page(model, card, cfg.samples, cfg.steps)
    if spec.input_kind == "image" and spec.target == "class":
        return classifier.page(model, card)
    if spec.input_kind == "table":
        return table.page(model, card)
    raise ConfigError(
        "demo.py has pages for image classifiers, VAEs and GANs, and CSV-table models; "
        f"{type(model).__name__} on {spec.describe()} is not one of them."
    )


def serve(cfg: DictConfig, block: bool = True) -> gr.Blocks:
    """Serve the checkpoint's page at http://host:port until interrupted (or, with `block`
    false, in a background thread: the caller closes it)."""
    if cfg.samples < 1 or cfg.steps < 2:
        raise ConfigError(f"samples must be >= 1 and steps >= 2, got {cfg.samples}, {cfg.steps}.")
    blocks = build(load_model(cfg.ckpt_path, cfg.device), cfg)
    try:
        blocks.launch(
            server_name=cfg.host,
            server_port=cfg.port,
            share=cfg.share,
            prevent_thread_lock=not block,
            quiet=not block,
        )
    except OSError:  # gradio's "Cannot find empty port", and bind errors
        raise ConfigError(
            f"cannot serve on {cfg.host}:{cfg.port} (in use, or not this machine's); "
            "choose another port=N, or port=null for the first free one from 7860."
        ) from None
    log.info("Serving %s at %s", cfg.ckpt_path, blocks.local_url)
    return blocks
