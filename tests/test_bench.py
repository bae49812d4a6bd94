"""The speed benchmark still runs end to end (its speed targets live in docs/bench.md, not here)."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import REPO, SHARED_DATA


def test_bench_script_prints_both_timings_and_the_ratio_for_both_nets():
    result = subprocess.run(
        [
            sys.executable,
            "bench/bench_mnist.py",
            "--epochs=1",
            "--warmup=0",
            "--repeats=1",
            "--limit-batches=1",
            f"--data-dir={SHARED_DATA}",  # random digits (with a loud note) when it is absent
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    number = r"\d+\.\d{3}"
    for net in ("cnn", "mlp"):
        for clock in ("wall", "cpu"):
            for side in ("litlab", "loop  "):
                assert re.search(rf"^{net} {clock} {side} : {number} s", result.stdout, re.M)
            ratio = re.search(rf"^{net} {clock} ratio litlab/loop: ({number})", result.stdout, re.M)
            assert ratio and float(ratio.group(1)) > 0, result.stdout


def test_detector_bench_prints_both_timings_and_the_ratio_after_the_same_steps():
    result = subprocess.run(
        [
            sys.executable,
            "bench/bench_detector.py",
            "--epochs=1",
            "--warmup=0",
            "--repeats=1",
            "--limit-batches=2",
            "--canvases=64",
            f"--data-dir={SHARED_DATA}",  # random digits (with a loud note) when it is absent
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    number = r"\d+\.\d{3}"
    for clock in ("wall", "cpu"):
        for side in ("litlab", "loop  "):
            assert re.search(rf"^detector {clock} {side} : {number} s", result.stdout, re.M)
        ratio = re.search(rf"^detector {clock} ratio litlab/loop: ({number})", result.stdout, re.M)
        assert ratio and float(ratio.group(1)) > 0, result.stdout
    # the same number of optimizer steps on both sides, from the same initial weights
    assert re.search(
        r"^detector steps per run: litlab \[2\], loop \[2\]; identical initial weights",
        result.stdout,
        re.M,
    ), result.stdout
