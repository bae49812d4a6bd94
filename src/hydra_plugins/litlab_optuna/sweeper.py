"""A Hydra sweeper that runs a resumable Optuna study: each trial is one job of the launcher.

Optuna's ask-and-tell keeps the study in its storage (SQLite in the sweep folder by default);
the sweeper asks `n_jobs` trials at a time, launches them as jobs whose overrides are the
command line's fixed overrides plus the trial's parameters, and tells Optuna each outcome as
the job's `summary.json` records it: ok (the returned objective), pruned, or failed. A job
folder is named by its trial's number, so a resumed study never reuses one.
"""

from __future__ import annotations

import logging
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra.plugins.launcher import Launcher
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf

from hydra_plugins.litlab_optuna.outputs import write_outputs
from hydra_plugins.litlab_optuna.space import as_override, search_space
from litlab.errors import ConfigError, LitlabError
from litlab.utils.config import plain
from litlab.utils.summary import read_summary

log = logging.getLogger(__name__)
DIRECTIONS = {"max": "maximize", "min": "minimize", "maximize": "maximize", "minimize": "minimize"}


class OptunaSweeper(Sweeper):
    """Bayesian search (TPE by default) with pruning, resumable from its storage."""

    def __init__(
        self,
        storage: str,
        study_name: str,
        n_trials: int,
        n_jobs: int,
        direction: str | None,
        sampler: Any,
        pruner: Any,
        enqueue: Sequence[Any] = (),
        figures: bool = True,
    ) -> None:
        self.storage, self.study_name = storage, study_name
        self.n_trials, self.n_jobs = int(n_trials), int(n_jobs)
        self.direction, self.sampler, self.pruner = direction, sampler, pruner  # configs
        self.enqueue = [plain(params) for params in enqueue or []]
        self.figures = figures
        self.config: DictConfig | None = None
        self.launcher: Launcher | None = None

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        from hydra.core.plugins import Plugins

        self.config = config
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config
        )

    def objective_direction(self) -> str:
        direction = self.direction or OmegaConf.select(self.config, "model.mode")
        if direction not in DIRECTIONS:
            raise ConfigError(
                f"hydra.sweeper.direction={direction}: give maximize or minimize "
                "(or set model.mode to max or min)."
            )
        return DIRECTIONS[direction]

    def sweep(self, arguments: list[str]) -> list[Sequence[JobReturn]]:
        """Run trials until the study holds `n_trials` finished ones; a mistake in the search's
        own settings is one sentence on stderr and exit 1 (Hydra would print a traceback)."""
        try:
            return self.search(arguments)
        except LitlabError as exc:
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(1)

    def search(self, arguments: list[str]) -> list[Sequence[JobReturn]]:
        import optuna

        space, fixed = search_space(self.config.get("search_space") or {}, arguments)
        if not space:
            raise ConfigError(
                "hparams_search=optuna found no search_space to search; choose an experiment "
                f"that declares one (experiment={', '.join(searchable(self.config))}), declare "
                "`search_space:` in yours, or give sweeps (key=interval(a,b)) on the command line."
            )
        sweep_dir = Path(self.config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.create_study(
            storage=self.storage,
            study_name=self.study_name,
            direction=self.objective_direction(),
            pruner=instantiate(self.pruner),
            load_if_exists=True,
        )
        # a resumed study draws on from where it stood, not the first trials' samples again
        study.sampler = instantiate(self.sampler, **seed_after(self.sampler, study))
        check_same_command(study, fixed, self.storage)
        finished = resume(study, self.enqueue, self.n_trials, self.storage)

        returns: list[Sequence[JobReturn]] = []
        while finished < self.n_trials:
            batch = [
                study.ask(fixed_distributions=space)
                for _ in range(min(self.n_jobs, self.n_trials - finished))
            ]
            results = self.launch(batch, fixed)
            for trial, result in zip(batch, results, strict=True):
                tell(study, trial, result, sweep_dir)
            finished += len(batch)
            returns.append(results)
            write_outputs(study, sweep_dir, self.figures)
        announce_best(study)
        return returns

    def launch(self, batch: list[Any], fixed: list[str]) -> list[JobReturn]:
        """Launch the trials as jobs numbered by their trial numbers (one launch per run of
        consecutive numbers: another process sharing the study may have taken some)."""
        results: list[JobReturn] = []
        start = 0
        for end in range(1, len(batch) + 1):
            if end == len(batch) or batch[end].number != batch[end - 1].number + 1:
                group = batch[start:end]
                overrides = [
                    [*fixed, *(as_override(k, v) for k, v in trial.params.items())]
                    for trial in group
                ]
                results.extend(self.launcher.launch(overrides, initial_job_idx=group[0].number))
                start = end
        return results


def searchable(config: DictConfig) -> list[str]:
    """The experiments (litlab's and the command line's searchpath) that declare a space."""
    import yaml

    from litlab.conf_dir import config_roots

    names = set()
    for root in config_roots(list(config.hydra.overrides.hydra)):
        for path in (root / "experiment").glob("*.yaml"):
            if (yaml.safe_load(path.read_text()) or {}).get("search_space"):
                names.add(path.stem)
    return sorted(names)


def seed_after(sampler: DictConfig, study: Any) -> dict[str, int]:
    """The sampler's seed, moved on by the trials the study already holds."""
    seed = sampler.get("seed")
    return {} if seed is None else {"seed": int(seed) + len(study.get_trials(deepcopy=False))}


def instantiate(config: Any, **kwargs: Any) -> Any:
    from hydra.utils import instantiate as build

    return build(config, **kwargs) if OmegaConf.is_config(config) else config


def check_same_command(study: Any, fixed: list[str], storage: str) -> None:
    """A study continues only under the command line that began it: trials trained with
    other fixed overrides would not be comparable."""
    recorded = study.user_attrs.get("overrides")
    if recorded is None:
        study.set_user_attr("overrides", sorted(fixed))
    elif recorded != sorted(fixed):
        raise ConfigError(
            f"the study {study.study_name} in {storage} was begun with the overrides "
            f"{' '.join(recorded) or '(none)'}, not {' '.join(sorted(fixed)) or '(none)'}; "
            "repeat those to continue it, or start another with hydra.sweep.dir=DIR."
        )


def resume(study: Any, enqueue: list[dict[str, Any]], n_trials: int, storage: str) -> int:
    """Mark trials left running by an interrupted sweep as failed and queue their parameters
    again; enqueue the configured parameter sets in a new study. Returns the finished count."""
    from optuna.storages import get_storage
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False)
    if not trials:
        for params in enqueue:
            study.enqueue_trial(params)
        print(f"Starting study {study.study_name} in {storage}: {n_trials} trials")
        return 0
    records = get_storage(storage)
    study_id = records.get_study_id_from_name(study.study_name)
    for trial in trials:
        if trial.state == TrialState.RUNNING:
            trial_id = records.get_trial_id_from_study_id_trial_number(study_id, trial.number)
            records.set_trial_user_attr(trial_id, "interrupted", True)
            study.tell(trial.number, state=TrialState.FAIL)
            study.enqueue_trial(trial.params, user_attrs={"retry_of": trial.number})
    finished = sum(1 for t in trials if counted(t))
    message = (
        f"Continuing study {study.study_name} in {storage}: {finished} of {n_trials} trials done"
    )
    print(message)
    return finished


def counted(trial: Any) -> bool:
    """Whether a trial counts towards `n_trials`: it ran to an outcome (complete, pruned, or
    failed by its job), as opposed to one stopped by an interruption."""
    from optuna.trial import TrialState

    if trial.state == TrialState.FAIL:
        return not trial.user_attrs.get("interrupted", False)
    return trial.state in (TrialState.COMPLETE, TrialState.PRUNED)


def job_folder(result: JobReturn, sweep_dir: Path, number: int) -> Path:
    hydra_cfg = result.hydra_cfg
    folder = OmegaConf.select(hydra_cfg, "hydra.runtime.output_dir") if hydra_cfg else None
    return Path(folder) if folder else sweep_dir / str(number)


def tell(study: Any, trial: Any, result: JobReturn, sweep_dir: Path) -> None:
    """Tell Optuna how the trial's job ended: its summary's status (pruned, failed) first, then
    the objective it returned (NaN or none: failed)."""
    from optuna.trial import TrialState

    folder = job_folder(result, sweep_dir, trial.number)
    trial.set_user_attr("job", str(folder))
    try:
        summary = read_summary(folder)
    except (OSError, ValueError):
        summary = {}
    status = summary.get("status")
    value = result.return_value if result.status == JobStatus.COMPLETED else None
    if status == "pruned":
        study.tell(trial, state=TrialState.PRUNED)
        log.info("Trial %d pruned: %s", trial.number, summary.get("error"))
        return
    if status in (None, "ok") and isinstance(value, int | float) and math.isfinite(value):
        study.tell(trial, float(value))
        log.info("Trial %d finished: %.6g (%s)", trial.number, value, trial.params)
        return
    reason = summary.get("error") or (
        failure(result)
        if result.status == JobStatus.FAILED
        else f"the job returned {value!r}, not a number"
    )
    trial.set_user_attr("error", str(reason))
    study.tell(trial, state=TrialState.FAIL)
    log.warning("Trial %d failed: %s", trial.number, reason)


def announce_best(study: Any) -> None:
    from optuna.trial import TrialState

    if not study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        print(f"Study {study.study_name}: no trial completed.")
        return
    best = study.best_trial
    params = " ".join(as_override(k, v) for k, v in best.params.items())
    print(f"Best trial {best.number}: {best.value:.6g} with {params}")


def failure(result: Any) -> str:
    """`Type: message` of the exception a failed job raised (Hydra's JobReturn re-raises it)."""
    try:
        result.return_value  # noqa: B018
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return "the job failed"
