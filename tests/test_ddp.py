"""DDP on two CPU processes (gloo): the same code path as several GPUs."""

from __future__ import annotations

import math

import pytest
import torch

from litlab.utils.summary import read_summary
from tests.conftest import compose_cfg, run_cli


@pytest.mark.ddp
def test_classifier_under_ddp_keeps_global_batch_and_syncs_test_metrics(tmp_path):
    run = tmp_path / "ddp"
    result = run_cli(
        "train.py",
        # 359 test digits: an odd count, which a padding sampler would count one too many
        ["trainer=ddp_cpu", "trainer.max_epochs=2", "data.test_size=359", f"hydra.run.dir={run}"],
        env={"OMP_NUM_THREADS": "1"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = read_summary(run)
    assert summary["status"] == "ok"
    assert summary["metrics"]["test/acc"] > 0.8

    # data.batch_size is global: two processes take as many optimizer steps as one would
    from litlab.builders import build_datamodule

    data = build_datamodule(compose_cfg([], tmp_path / "single"))
    last = torch.load(run / "checkpoints" / "last.ckpt", weights_only=True)
    single_process_steps = 2 * len(data.train_dataloader())
    assert single_process_steps == 2 * math.ceil(len(data.train_set) / data.batch_size)
    assert last["global_step"] == single_process_steps

    # test/acc was synced over both halves of the test set: one process on the whole set agrees
    from litlab.tasks.evaluate import evaluate

    cfg = compose_cfg([f"ckpt_path={summary['best_checkpoint']}"], tmp_path / "eval", "eval")
    single = evaluate(cfg)["metrics"]
    assert single["test/acc"] == pytest.approx(summary["metrics"]["test/acc"], abs=1e-6)


@pytest.mark.ddp
def test_detector_under_ddp_reports_the_map_of_one_process(tmp_path, mnist_dir, monkeypatch):
    run = tmp_path / "ddp"
    data = [
        "model=detector",
        "data=mnist_detection",
        "data.canvas_size=48",
        "data.digit_size=[16,24]",
        "data.train_canvases=512",
        "data.val_canvases=16",
        "data.test_canvases=31",  # odd: each process tests its own part, none twice
    ]
    result = run_cli(
        "train.py",
        ["trainer=ddp_cpu", "trainer.max_epochs=4", *data, f"hydra.run.dir={run}"],
        env={"OMP_NUM_THREADS": "1", "DATA_DIR": str(mnist_dir)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = read_summary(run)
    assert summary["status"] == "ok"
    # it learned something (one process, same settings: 0.33): the comparison below means something
    assert summary["metrics"]["test/map_50"] > 0.1

    from litlab.tasks.evaluate import evaluate

    monkeypatch.setenv("DATA_DIR", str(mnist_dir))
    cfg = compose_cfg([f"ckpt_path={summary['best_checkpoint']}"], tmp_path / "eval", "eval")
    single = evaluate(cfg)["metrics"]
    for name in ("test/map", "test/map_50", "test/map_75"):
        assert single[name] == pytest.approx(summary["metrics"][name], abs=1e-6)
