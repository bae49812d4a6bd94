"""A checkpoint's model as one file another runtime loads (`python export.py`), checked
before it is kept.

The file takes what a deployer has (pixels in [0, 1], windows in the series' units) and gives
what they want (probabilities, values in the target's units, reconstructions): the data's
preprocessing is folded in where it is a tensor op (`litlab.exporting.graph`). The written
file is loaded back (onnxruntime for ONNX) and run on the first test examples of the data the
model trained on, at two batch sizes; outputs that differ from the checkpoint's by more than
`atol` delete the file and stop with one sentence. A JSON sidecar beside the file says what
it wants and gives.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig, OmegaConf

from litlab.builders import build_datamodule
from litlab.errors import ConfigError, LitlabError
from litlab.exporting import formats
from litlab.exporting.check import first_test_batch, max_abs_difference, sample, within
from litlab.exporting.graph import InferenceGraph
from litlab.utils.checkpoints import load_model, read_checkpoint, run_folder

log = logging.getLogger(__name__)


class ExportError(LitlabError):
    """An exported file that cannot be written or does not reproduce its checkpoint."""


def default_output(ckpt: Path, fmt: str) -> Path:
    """`<run folder>/export/model.<suffix>` for `<run folder>/checkpoints/*.ckpt`."""
    run = run_folder(ckpt)
    return run / "export" / f"model{formats.SUFFIXES[fmt]}"


def sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def export(cfg: DictConfig) -> Path:
    """Export, load back, compare with the checkpoint on real inputs; the file's path."""
    fmt = str(cfg.format)
    if fmt not in formats.SUFFIXES:
        raise ConfigError(f"format={fmt} is not one of {', '.join(formats.SUFFIXES)}.")
    sizes = [int(n) for n in cfg.batch_sizes]
    if len(set(sizes)) < 2 or min(sizes) < 1:
        raise ConfigError(f"batch_sizes={sizes} needs two different sizes of at least 1.")
    model = load_model(cfg.ckpt_path, "cpu")
    graph = InferenceGraph(model)
    ckpt = Path(str(cfg.ckpt_path))
    datamodule = build_datamodule(data_config(cfg, ckpt), stage="test")
    batch = first_test_batch(datamodule)
    sizes = [min(n, len(batch[0])) for n in sizes]
    path = Path(str(cfg.out)) if cfg.out else default_output(ckpt, fmt)
    for leftover in (path, sidecar(path)):  # never a stale file beside a failed export
        leftover.unlink(missing_ok=True)
    try:
        formats.write(fmt, graph, sample(graph, datamodule, batch, sizes[0]).inputs, path)
        tolerance = (float(cfg.atol), float(cfg.rtol))
        differences = check(fmt, path, graph, datamodule, batch, sizes, tolerance)
        write_sidecar(fmt, path, graph, cfg, ckpt, differences)
    except BaseException as exc:
        for written in (path, sidecar(path)):
            written.unlink(missing_ok=True)
        if isinstance(exc, Exception) and not isinstance(exc, LitlabError):
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ExportError(
                f"{fmt} export of {type(model).__name__} failed: {first.rstrip('.')}."
            ) from exc
        raise
    log.info("Exported %s; max abs difference %.3g", path, max(differences.values()))
    print(path)
    return path


def data_config(cfg: DictConfig, ckpt: Path) -> DictConfig:
    """The checkpoint's own data config, reading from this machine's `paths.data_dir`."""
    stored = read_checkpoint(ckpt).get("litlab_config") or {}
    if "data" not in stored:
        raise ConfigError(f"{ckpt} does not record its data, so no real inputs can check it.")
    data = OmegaConf.create(stored["data"])
    data.data_dir = cfg.paths.data_dir
    return OmegaConf.create({"data": data})


def check(
    fmt: str,
    path: Path,
    graph: InferenceGraph,
    datamodule: Any,
    batch: Any,
    sizes: list[int],
    tolerance: tuple[float, float],
) -> dict[int, float]:
    """Max abs difference per batch size between the file and the checkpoint; ExportError
    with one sentence when one exceeds `atol + rtol * |checkpoint's output|` (torch.allclose)."""
    atol, rtol = tolerance
    run = formats.load(fmt, path)
    differences: dict[int, float] = {}
    for n in sizes:
        real = sample(graph, datamodule, batch, n)
        try:
            got = run(real.inputs)
        except Exception as exc:
            first = str(exc).strip().splitlines()[0][:300]
            raise ExportError(
                f"the exported {fmt} file fails on a batch of {n} after export at "
                f"{sizes[0]} ({first}), so it was deleted."
            ) from exc
        differences[n] = max_abs_difference(got, real.expected)
        if not within(got, real.expected, atol, rtol):
            raise ExportError(
                f"the exported {fmt} file's outputs differ from the checkpoint's by up to "
                f"{differences[n]:.3g} (atol={atol:g}, rtol={rtol:g}) on {n} test examples, "
                "so it was deleted."
            )
    return differences


def write_sidecar(
    fmt: str,
    path: Path,
    graph: InferenceGraph,
    cfg: DictConfig,
    ckpt: Path,
    differences: dict[int, float],
) -> None:
    info = {
        "format": fmt,
        "file": path.name,
        "checkpoint": str(ckpt),
        **graph.describe(),
        "check": {
            "inputs": "the first test examples of the checkpoint's own data",
            "batch_sizes": list(differences),
            "atol": float(cfg.atol),
            "rtol": float(cfg.rtol),
            "max_abs_difference": max(differences.values()),
        },
        "torch": torch.__version__,
    }
    sidecar(path).write_text(json.dumps(info, indent=1) + "\n")
