"""What a search leaves in its sweep folder after each batch: `search.csv` (one row per trial)
and `figures/` (the optimisation history; parameter importances once they can be computed)."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

from litlab.utils.csv_rows import write_rows

log = logging.getLogger(__name__)


def write_table(study: Any, path: Path) -> None:
    """number, state, value, each parameter, job folder, and why a trial failed or was retried."""
    trials = study.get_trials(deepcopy=False)
    params = list(dict.fromkeys(k for t in trials for k in t.params))
    rows = []
    for t in trials:
        note = t.user_attrs.get("error") or ""
        if t.user_attrs.get("interrupted"):
            note = "interrupted; its parameters were queued again"
        if "retry_of" in t.user_attrs:
            note = f"retry of trial {t.user_attrs['retry_of']}"
        rows.append(
            {
                "number": t.number,
                "state": t.state.name.lower(),
                "value": t.value,
                **{k: t.params.get(k, "") for k in params},
                "job": t.user_attrs.get("job", ""),
                "note": note,
            }
        )
    write_rows(rows, path)


def write_figures(study: Any, folder: Path) -> None:
    """Optuna's matplotlib figures: history always, importances once two complete trials
    differ in their parameters (the importance model needs variation to fit)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from optuna.trial import TrialState
    from optuna.visualization import matplotlib as figures

    folder.mkdir(parents=True, exist_ok=True)
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    plots = {"optimization_history": figures.plot_optimization_history}
    if len({tuple(sorted(t.params.items(), key=str)) for t in complete}) >= 2:
        plots["param_importances"] = figures.plot_param_importances
    for name, plot in plots.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # optuna marks its matplotlib backend experimental
            axes = plot(study)
        axes.figure.tight_layout()
        axes.figure.savefig(folder / f"{name}.png", dpi=120)
        plt.close(axes.figure)


def write_outputs(study: Any, sweep_dir: Path, figures: bool = True) -> None:
    write_table(study, sweep_dir / "search.csv")
    if not figures:
        return
    try:
        write_figures(study, sweep_dir / "figures")
    except Exception as exc:  # a figure must never stop the search it illustrates
        log.warning("Could not draw the search's figures: %s", exc)
