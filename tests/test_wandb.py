"""W&B dashboards: a sweep is one group, each job one run with its overrides, its summary.json
as the run summary, its figures as images and the test confusion matrix as a table; offline,
with no account. The offline run's `.wandb` transaction log is read back record by record.
The sweep runs with `launcher=joblib` (worker processes), which it checks too."""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Iterator
from pathlib import Path

from wandb.proto import wandb_internal_pb2

from litlab.utils.summary import read_summary
from tests.conftest import run_cli

BLOCK, HEADER = 32768, 7  # the log's blocks; its file header and each chunk header are 7 bytes
FULL, LAST = 1, 4


def records(path: Path) -> Iterator[wandb_internal_pb2.Record]:
    """The records of a `.wandb` file (a LevelDB-style log of protobuf records: chunks of
    checksum, length, type within 32 KiB blocks), what `wandb sync` uploads."""
    data = path.read_bytes()
    assert data[:4] == b":W&B"
    position, chunks = HEADER, []
    while position + HEADER <= len(data):
        left = BLOCK - position % BLOCK
        _, length, kind = struct.unpack("<IHB", data[position : position + HEADER])
        if left < HEADER or (kind == 0 and length == 0):  # the rest of the block is padding
            position += left
            continue
        chunks.append(data[position + HEADER : position + HEADER + length])
        position += HEADER + length
        if kind in (FULL, LAST):
            record = wandb_internal_pb2.Record()
            record.ParseFromString(b"".join(chunks))
            chunks = []
            yield record


def read_run(folder: Path) -> tuple[wandb_internal_pb2.RunRecord, dict, dict, Path]:
    """The run record, the config, the final summary (key: JSON value) and the files folder
    of the one offline W&B run in a job's folder."""
    (run_dir,) = (folder / "wandb").glob("offline-run-*")
    (log,) = run_dir.glob("run-*.wandb")
    run, config, summary = None, {}, {}
    for record in records(log):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            run = record.run
            config.update({i.key: json.loads(i.value_json) for i in record.run.config.update})
        elif kind == "config":
            config.update({i.key: json.loads(i.value_json) for i in record.config.update})
        elif kind == "summary":
            for item in record.summary.update:
                summary[item.key or "/".join(item.nested_key)] = json.loads(item.value_json)
    return run, config, summary, run_dir / "files"


def test_a_parallel_sweep_is_one_wandb_group_of_runs_with_overrides_summary_figures_matrix(
    tmp_path,
):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_MODE")}
    env["HOME"] = str(tmp_path / "home")  # no ~/.netrc, so not logged in: offline by itself
    # job 0 takes the sweep's group; job 1 names its own, as a cross-validation driver does.
    # launcher=joblib: the jobs run in two worker processes (one sweep for both concerns, to
    # keep CI short), yet share the sweep folder and its name
    groups = "logger.wandb.group=null,folds"
    args = ["-m", "launcher=joblib", "logger=wandb", groups, "seed=3", "debug=limit"]
    result = run_cli("train.py", [*args, "trainer.max_epochs=1", f"paths.log_dir={tmp_path}"], env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Joblib.Parallel" in result.stdout + result.stderr
    (sweep,) = (tmp_path / "train" / "multiruns").iterdir()
    assert sorted(p.name for p in sweep.iterdir() if (p / "summary.json").is_file()) == ["0", "1"]

    for job, group in (("0", sweep.name), ("1", "folds")):
        folder = sweep / job
        outcome = read_summary(folder)
        run, config, summary, files = read_run(folder)
        assert (run.run_group, run.display_name, run.job_type) == (group, job, "train")
        assert config["overrides"]["seed"] == 3  # the job's own overrides, typed
        assert config["overrides"]["logger.wandb.group"] == (None if job == "0" else "folds")
        assert config["model"]["_target_"] == "litlab.models.Classifier"  # and the whole config
        assert summary["status"] == outcome["status"] == "ok"
        assert summary["test/acc"] == outcome["metrics"]["test/acc"]
        assert summary["val/acc_best"] == outcome["metrics"]["val/acc_best"]
        assert summary["best_checkpoint"] == outcome["best_checkpoint"]
        figures = {png.stem for png in (folder / "figures").glob("*.png")}
        assert {"confusion_matrix", "loss_curves"} <= figures
        for stem in figures:
            assert summary[f"figures/{stem}/_type"] == "images/separated"
            assert list(files.glob(f"media/images/figures/{stem}_*.png"))
        # the test confusion matrix as W&B's confusion-matrix chart table: 10 x 10 counts
        table_path = summary["test/confusion_matrix_table/path"]
        table = json.loads((files / table_path).read_text())
        assert table["columns"] == ["Actual", "Predicted", "nPredictions"]
        assert len(table["data"]) == 100
        correct = sum(count for true, predicted, count in table["data"] if true == predicted)
        assert correct / sum(row[2] for row in table["data"]) == outcome["metrics"]["test/acc"]
