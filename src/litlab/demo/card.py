"""What a page says about its model: class, data, and the run's test metrics when known."""

from __future__ import annotations

import json
from pathlib import Path

import pytorch_lightning as pl

from litlab.data.spec import INPUT_WORDS
from litlab.utils.checkpoints import read_checkpoint


def run_summary(ckpt: Path) -> dict:
    """The summary.json of the run that wrote `ckpt` (`<run>/checkpoints/x.ckpt`), or {}."""
    for folder in (ckpt.parent.parent, ckpt.parent):
        path = folder / "summary.json"
        if path.is_file():
            try:
                return json.loads(path.read_text())
            except (OSError, ValueError):  # a half-written summary only loses the card's line
                return {}
    return {}


def model_card(model: pl.LightningModule, ckpt: Path) -> str:
    """One line of Markdown: `**Classifier** on DigitsDataModule (images 1x8x8, 10 classes) ·
    test/acc 0.983`, then the checkpoint's path."""
    spec = model.spec
    data = (read_checkpoint(ckpt).get("litlab_config") or {}).get("data") or {}
    source = str(data.get("_target_", "unknown data")).rsplit(".", 1)[-1]
    shape = "x".join(str(d) for d in spec.input_shape)
    what = f"{INPUT_WORDS[spec.input_kind]} {shape}"
    if spec.target == "class":
        what += f", {spec.num_classes} classes"
    metrics = run_summary(ckpt).get("metrics") or {}
    tested = [
        f"{name} {value:.4g}"
        for name, value in sorted(metrics.items())
        if name.startswith("test/") and isinstance(value, int | float)
    ]
    result = f" · {', '.join(tested)}" if tested else " · no test metrics beside the checkpoint"
    return f"**{type(model).__name__}** on {source} ({what}){result}  \n`{ckpt}`"
