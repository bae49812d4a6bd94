"""`summary.json`: the machine-readable outcome every run leaves in its folder."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any


def to_number(value: Any) -> Any:
    """Tensors and numpy values to floats (or lists); NaN/inf to None (JSON has no NaN).

    Duck-typed, so that writing a summary (also a failed one, before torch is imported) never
    needs torch."""
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0 and math.prod(value.shape) != 1:
        return value.tolist()
    if hasattr(value, "item") and not isinstance(value, list | dict):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def stage_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """`{stage}/{name}` metrics at epoch level, named as DESIGN.md fixes them."""
    return {
        k.removesuffix("_epoch"): v
        for k, v in metrics.items()
        if k.split("/")[0] in ("train", "val", "test") and not k.endswith("_step")
    }


def write_summary(
    folder: str | Path,
    status: str,
    metrics: dict[str, Any] | None = None,
    best_checkpoint: str | None = None,
    seconds: float = 0.0,
    error: str | None = None,
    **extra: Any,
) -> Path:
    """Write `folder/summary.json` atomically, so no half-written summary is ever read."""
    path = Path(folder) / "summary.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "status": status,
        "metrics": {k: to_number(v) for k, v in sorted((metrics or {}).items())},
        "best_checkpoint": best_checkpoint,
        "seconds": round(seconds, 3),
    }
    if error is not None:
        payload["error"] = error
    payload.update({k: v for k, v in extra.items() if v is not None})
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    os.replace(tmp, path)
    return path


def read_summary(folder: str | Path) -> dict[str, Any]:
    return json.loads((Path(folder) / "summary.json").read_text())
