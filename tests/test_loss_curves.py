"""The loss-curve figure draws what the run logged: each curve, point by point, is the epoch
and value that `csv/metrics.csv` holds for that metric."""

from __future__ import annotations

import pandas as pd
import pytest

from litlab.callbacks.loss_curves import LossCurves
from tests.conftest import run_train

RUN = [
    "trainer.max_epochs=3",
    "trainer.limit_train_batches=3",
    "trainer.limit_val_batches=2",
    "trainer.limit_test_batches=1",
]


def drawn_curves(monkeypatch) -> dict[str, list]:
    """Captures the figure the callback saves; `curves[stage/metric]` is its plotted points."""
    curves: dict[str, list] = {}
    save = LossCurves.save

    def capture(self, trainer, fig, name):
        for ax in fig.axes:
            for line in ax.get_lines():
                points = zip(line.get_xdata(), line.get_ydata(), strict=True)
                curves[f"{line.get_label()}/{ax.get_title()}"] = [(int(e), v) for e, v in points]
        return save(self, trainer, fig, name)

    monkeypatch.setattr(LossCurves, "save", capture)
    return curves


def logged_curves(path) -> dict[str, list]:
    """Epoch-level train/val metrics of the CSV log: one (epoch, value) per logged row."""
    metrics = pd.read_csv(path)
    curves = {}
    for column in metrics.columns:
        if column.startswith(("train/", "val/")) and not column.endswith(("_step", "_best")):
            rows = metrics[["epoch", column]].dropna()
            curves[column] = [(int(e), v) for e, v in rows.itertuples(index=False)]
    return curves


def test_the_default_run_draws_every_logged_epoch_at_its_own_epoch(tmp_path, monkeypatch):
    drawn = drawn_curves(monkeypatch)
    run_train(RUN, tmp_path)
    logged = logged_curves(tmp_path / "csv" / "metrics.csv")
    assert set(drawn) == set(logged) == {"train/loss", "train/acc", "val/loss", "val/acc"}
    for name, points in logged.items():
        assert [e for e, _ in points] == [0, 1, 2], name
        assert [e for e, _ in drawn[name]] == [0, 1, 2], name
        assert [v for _, v in drawn[name]] == pytest.approx([v for _, v in points], rel=1e-6)
    assert (tmp_path / "figures" / "loss_curves.png").stat().st_size > 1000
