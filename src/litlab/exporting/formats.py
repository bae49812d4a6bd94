"""Writing an `InferenceGraph` in each format with a dynamic batch axis, and loading the file
back into a callable that runs it as a deployer would (onnxruntime for ONNX)."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor

from litlab.exporting.graph import InferenceGraph

Runner = Callable[[tuple[Tensor, ...]], Tensor]
SUFFIXES = {"onnx": ".onnx", "torchscript": ".pt", "exported_program": ".pt2"}


def batch_axis(inputs: tuple[Tensor, ...]) -> tuple[dict[int, torch.export.Dim], ...]:
    """Every input's first axis is one shared dynamic batch size."""
    batch = torch.export.Dim("batch")
    return tuple({0: batch} for _ in inputs)


def write(fmt: str, graph: InferenceGraph, inputs: tuple[Tensor, ...], path: Path) -> None:
    """Export `graph`, traced on `inputs`, to `path` in format `fmt`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # nn.LSTM re-assigns its weight list on every call; torch.export reads it all the same
        warnings.filterwarnings("ignore", r"The tensor attributes .*_flat_weights", UserWarning)
        # every input's batch axis is the one Dim, so ONNX keeps one of the names
        warnings.filterwarnings("ignore", "# The axis name: batch will not be used", UserWarning)
        write_file(fmt, graph, inputs, path)


def write_file(fmt: str, graph: InferenceGraph, inputs: tuple[Tensor, ...], path: Path) -> None:
    if fmt == "onnx":
        for name in ("onnxscript", "onnx_ir"):  # its optimizer logs every pass at INFO
            logging.getLogger(name).setLevel(logging.WARNING)
        torch.onnx.export(
            graph,
            inputs,
            str(path),
            dynamo=True,
            dynamic_shapes=batch_axis(inputs),
            input_names=graph.input_names,
            output_names=[graph.output_name],
            external_data=False,  # one self-contained file
            verbose=False,
        )
    elif fmt == "exported_program":
        program = torch.export.export(graph, inputs, dynamic_shapes=batch_axis(inputs))
        torch.export.save(program, path)
    else:
        from litlab.compat import lightning_tracing

        with warnings.catch_warnings():
            # deprecated on torch 2.14, and still what TorchScript users load (docs/export.md);
            # walking every submodule also touches torchmetrics' deprecated properties
            warnings.filterwarnings("ignore", r"`torch\.jit\.trace", FutureWarning)
            warnings.filterwarnings("ignore", "This property will be removed", DeprecationWarning)
            # a LightningModule's `trainer` property raises outside a Trainer unless scripting
            with lightning_tracing():
                traced = torch.jit.trace(graph, inputs, check_trace=False)
        traced.save(str(path))


def load(fmt: str, path: Path) -> Runner:
    """The exported file as a function of the graph's inputs (CPU)."""
    if fmt == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        names = [i.name for i in session.get_inputs()]

        def run_onnx(inputs: tuple[Tensor, ...]) -> Tensor:
            feed = {n: t.numpy() for n, t in zip(names, inputs, strict=True)}
            return torch.from_numpy(session.run(None, feed)[0])

        return run_onnx
    if fmt == "exported_program":
        module = torch.export.load(path).module()
    else:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", r"`torch\.jit\.load", FutureWarning)
            module = torch.jit.load(str(path), map_location="cpu")

    def run_torch(inputs: tuple[Tensor, ...]) -> Tensor:
        with torch.no_grad():
            return module(*inputs)

    return run_torch
