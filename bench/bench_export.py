"""CPU inference throughput of an exported ONNX model in onnxruntime against the same model in
PyTorch.

What is measured: samples per second of one forward pass over a batch of real test inputs
(MNIST digits as pixels in [0, 1]; random digits of MNIST shape, with a loud note, when the set
is absent). PyTorch side: litlab's `InferenceGraph` (the model with normalisation and softmax
folded in, exactly what export.py writes) in eval mode under `torch.inference_mode()`. ONNX
side: that graph written by `torch.onnx.export(dynamo=True)` and run by onnxruntime's
CPUExecutionProvider. Both on `--threads` threads (torch's intra-op threads, onnxruntime's
intra-op threads, one inter-op thread), the same batch, `--passes` forward passes per timed
run after one untimed pass, `--repeats` runs per side alternating (onnx, torch, torch, onnx,
...). The ratio is onnxruntime / PyTorch samples per second (more is better). The model is the
config's (`python train.py data=mnist`: the classifier's CNN) with its initial weights, which
do not change the work done.

    python bench/bench_export.py [--batch-size 256] [--threads 1] [--json FILE] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import onnxruntime
import pytorch_lightning as pl
import torch
from basics import SHARED_DATA, data_dir_or_random, write_rows
from common import compose_cfg

from litlab.builders import build_datamodule, build_model
from litlab.exporting.formats import write
from litlab.exporting.graph import InferenceGraph

TARGET = 1.0  # the exported file should be at least as fast as the checkpoint in PyTorch


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--net", default="cnn", help="model/net for the classifier (cnn, mlp)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--passes", type=int, default=20, help="forward passes per timed run")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per side")
    parser.add_argument("--threads", type=int, default=1, help="threads on both sides")
    parser.add_argument("--data-dir", default=str(SHARED_DATA), help="holds MNIST/raw/*-ubyte")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="ignored: CPU")
    parser.add_argument("--quick", action="store_true", help="tiny settings: checks it runs")
    parser.add_argument("--json", default=None, help="also append the result row to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.batch_size, args.passes, args.repeats = 8, 2, 1
    return args


def main(argv: list[str] | None = None) -> dict[str, float]:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    data_dir = data_dir_or_random(args.data_dir)
    out = tempfile.mkdtemp(prefix="bench-export-")
    cfg = compose_cfg(
        ["data=mnist", f"model/net={args.net}", f"paths.data_dir={data_dir}", "seed=0"], out
    )
    pl.seed_everything(0, verbose=False)
    datamodule = build_datamodule(cfg, stage="test")
    graph = InferenceGraph(build_model(cfg, datamodule.spec))
    images = datamodule.split_set("test").tensors[0][: args.batch_size]
    pixels = images.float() / datamodule.max_value
    path = Path(out) / "model.onnx"
    write("onnx", graph, (pixels,), path)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    feed = {"pixels": pixels.numpy()}

    def run_torch() -> None:
        with torch.inference_mode():
            graph(pixels)

    def run_onnx() -> None:
        session.run(None, feed)

    sides = {"onnx": run_onnx, "torch": run_torch}
    for run in sides.values():  # untimed: first-call allocations and kernel selection
        run()
    rates: dict[str, list[float]] = {"onnx": [], "torch": []}
    for repeat in range(args.repeats):
        for side in ("onnx", "torch") if repeat % 2 == 0 else ("torch", "onnx"):
            start = time.perf_counter()
            for _ in range(args.passes):
                sides[side]()
            rates[side].append(args.passes * len(pixels) / (time.perf_counter() - start))
    onnx, ref = statistics.median(rates["onnx"]), statistics.median(rates["torch"])
    print(
        f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}, {args.threads} "
        f"threads, net {args.net}, batch {len(pixels)}, {args.passes} passes x "
        f"{args.repeats} repeats, data {data_dir}"
    )
    ratio = onnx / ref
    print(f"export/onnx {args.net} samples/s onnx: {onnx:.1f} torch: {ref:.1f} ratio: {ratio:.3f}")
    row = {
        "bench": f"export/onnx {args.net}",
        "measure": "samples/s",
        "litlab": onnx,
        "reference": ref,
        "reference_name": "the checkpoint in PyTorch, inference_mode",
        "ratio": ratio,
        "target": TARGET,
    }
    write_rows(args.json, [row])
    return row


if __name__ == "__main__":
    main()
