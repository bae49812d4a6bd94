"""The CV driver: one complete run per fold in `<run>/folds/<k>/`, through the same
`fit_and_test` as a single run (the train task hands it over), then the folds' statistics,
ensemble and stacking.

Each fold's config is the run's own plus `cv.fold=k` (and its folder), so the fold's
`.hydra/` and checkpoints describe it fully: `build_datamodule` recomputes the same fold from
the `cv:` options, for this run and for any later use of the checkpoint (ensemble.py).
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hydra
from omegaconf import DictConfig, OmegaConf, open_dict

from litlab.builders import Fitted, monitored_checkpoint, task_overrides
from litlab.cv import ensemble, figures, stats
from litlab.cv.members import Predictions, predict_split
from litlab.cv.stacking import stack
from litlab.data.splits import fold_indices
from litlab.errors import ConfigError
from litlab.outcome import explained, record
from litlab.utils.config import plain
from litlab.utils.csv_rows import write_rows
from litlab.utils.loggers import finish_wandb
from litlab.utils.summary import to_number, write_summary

log = logging.getLogger(__name__)


def fold_config(cfg: DictConfig, k: int, folder: Path, group: str) -> DictConfig:
    """The run's config for fold `k`: `cv.fold=k`, its own folder, its W&B run in `group`."""
    fold = copy.deepcopy(cfg)
    with open_dict(fold):
        fold.cv.fold = k
        fold.paths.output_dir = str(folder)
        if (fold.get("logger") or {}).get("wandb") is not None:
            fold.logger.wandb.group = group
    return fold


def write_hydra_files(cfg: DictConfig, folder: Path, overrides: list[str]) -> None:
    """`.hydra/config.yaml` (the fold's config) and `overrides.yaml` (the command's, plus
    `cv.fold=k`, which the report reads as a repeat)."""
    hydra_dir = folder / ".hydra"
    hydra_dir.mkdir(parents=True, exist_ok=True)
    config = OmegaConf.create({k: v for k, v in cfg.items() if k != "hydra"})
    OmegaConf.save(config, hydra_dir / "config.yaml")
    OmegaConf.save(OmegaConf.create(overrides), hydra_dir / "overrides.yaml")


def fold_score(fitted: Fitted) -> tuple[str, float | None]:
    """The monitored metric of the checkpoint the fold selected on its val fold."""
    monitor = fitted.summary["monitor"]
    checkpoint = monitored_checkpoint(fitted.trainer)
    if checkpoint is not None and checkpoint.best_model_score is not None:
        return monitor, float(checkpoint.best_model_score)
    value = fitted.summary["metrics"].get(monitor)  # no checkpointing: the last epoch's value
    return monitor, None if value is None else float(value)


FitAndTest = Callable[[DictConfig], Fitted]


def run_fold(
    cfg: DictConfig, k: int, folder: Path, sizes: tuple[int, int], fit_and_test: FitAndTest
) -> tuple[dict[str, Any], Predictions, Predictions]:
    """Train and test fold `k`; write its summary; return it with the fold model's test and
    out-of-fold (val) predictions."""
    overrides = [*task_overrides(), f"cv.fold={k}"]
    fold_cfg = fold_config(cfg, k, folder, Path(cfg.paths.output_dir).name)
    write_hydra_files(fold_cfg, folder, overrides)
    start = time.time()
    log.info("Fold %d: %d train, %d val items", k, *sizes)
    try:
        fitted = fit_and_test(fold_cfg)
        test = predict_split(fitted.model, fitted.datamodule, "test")
        out_of_fold = predict_split(fitted.model, fitted.datamodule, "val")
    except BaseException as exc:
        write_summary(folder, "failed", seconds=time.time() - start, error=explained(exc)[1])
        finish_wandb()
        raise
    name, score = fold_score(fitted)
    summary = {
        **fitted.summary,
        "metrics": {k: to_number(v) for k, v in fitted.summary["metrics"].items()},
        "cv": {"fold": k, "score_name": name, "score": score, "train": sizes[0], "val": sizes[1]},
    }
    finish_wandb()
    write_summary(
        folder,
        seconds=time.time() - start,
        **summary,
        **{**record(fold_cfg), "overrides": overrides},
    )
    return summary, test, out_of_fold


def cross_validate(cfg: DictConfig, fit_and_test: FitAndTest) -> dict[str, Any]:
    """Every fold, then the summary fields of the CV run: per-fold scores, their mean, std
    (and 95% interval for the bootstrap), the fold ensemble and the stacking."""
    if cfg.get("ckpt_path") or not cfg.get("train", True) or not cfg.get("test", True):
        raise ConfigError(
            "cross-validation trains and tests a fresh model per fold; drop ckpt_path, "
            "train=false and test=false from the command."
        )
    folder = Path(cfg.paths.output_dir)
    datamodule = hydra.utils.instantiate(cfg.data)
    datamodule.prepare_data()
    kind, folds = fold_indices(cfg.cv, datamodule)
    bootstrap = bool(cfg.cv.get("bootstrap"))
    log.info("%s: %d folds of the train+val pool", kind, len(folds))
    summaries, tests, out_of_folds = [], [], []
    for k, (train, val) in enumerate(folds):
        summary, test, out_of_fold = run_fold(
            cfg, k, folder / "folds" / str(k), (len(train), len(val)), fit_and_test
        )
        summaries.append(summary)
        tests.append(test)
        out_of_folds.append(out_of_fold)

    score_name = summaries[0]["cv"]["score_name"]
    scores = [s["cv"]["score"] for s in summaries]
    rows = [
        {
            "fold": k,
            "train": s["cv"]["train"],
            "val": s["cv"]["val"],
            score_name: s["cv"]["score"],
            **{m: v for m, v in s["metrics"].items() if m.startswith("test/")},
        }
        for k, s in enumerate(summaries)
    ]
    write_rows(rows, folder / "cv.csv")
    figures.fold_scores(scores, score_name, folder / "figures" / "cv_scores.png")
    if bootstrap:
        figures.running_mean(scores, score_name, folder / "figures" / "bootstrap_running_mean.png")
    metrics = stats.mean_metrics(summaries)
    # the mean CV score under the monitor's names: what a sweeper over CV runs optimizes
    metrics[score_name] = metrics[f"{score_name}_best"] = float(sum(scores) / len(scores))
    test_names = [m for m in metrics if m.startswith("test/")]
    names = [f"fold {k}" for k in range(len(folds))]
    fold_ensemble = ensemble.average(names, tests)
    fold_ensemble["stacking"] = stack(out_of_folds, tests)
    ensemble.write_table(fold_ensemble, folder / "ensemble.csv")
    ensemble.print_table(fold_ensemble)
    cv = {
        "kind": kind,
        "folds": len(folds),
        "options": plain(cfg.cv),
        "score_name": score_name,
        "scores": scores,
        **stats.describe(scores, interval=bootstrap),
        "test": {
            m: stats.describe([s["metrics"][m] for s in summaries], interval=bootstrap)
            for m in test_names
        },
    }
    log.info(
        "%s over %d folds: %s %.4g ± %.2g", kind, len(folds), score_name, cv["mean"], cv["std"]
    )
    return {
        "status": "ok",
        "metrics": metrics,
        "best_checkpoint": None,
        "monitor": score_name,
        "cv": cv,
        "ensemble": fold_ensemble,
    }
