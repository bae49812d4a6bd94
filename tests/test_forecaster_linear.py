"""The forecaster's linear skip: it starts as the linear AR baseline, to the digit."""

from __future__ import annotations

import numpy as np
import pytest
import pytorch_lightning as pl
import torch

from litlab.data import TimeSeriesDataModule
from litlab.data.forecast_baselines import forecast_scores
from litlab.models import Forecaster

NET = {"_target_": "litlab.nets.Recurrent", "cell": "gru", "hidden_size": 8}
OPTIMIZER = {"_target_": "torch.optim.Adam", "_partial_": True, "lr": 1e-3}


def series_csv(path, n: int = 400) -> str:
    """A noisy seasonal series with a trend and a second input column."""
    rng = np.random.default_rng(1)
    t = np.arange(n)
    load = 10 + 0.02 * t + 3 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.3, n)
    temp = np.cos(2 * np.pi * t / 12) + rng.normal(0, 0.1, n)
    np.savetxt(path, np.stack([load, temp], 1), delimiter=",", header="load,temp", comments="")
    return str(path)


def untrained_scores(path: str, residual: bool) -> tuple[dict, TimeSeriesDataModule]:
    """val/test metrics of a forecaster fitted for zero epochs (only its setup ran)."""
    dm = TimeSeriesDataModule(path=path, target="load", inputs=["temp"], lookback=16, horizon=3)
    dm.setup("fit")
    model = Forecaster(dm.spec.to_dict(), NET, OPTIMIZER, residual=residual)
    trainer = pl.Trainer(
        max_epochs=0, logger=False, enable_checkpointing=False, enable_progress_bar=False,
        enable_model_summary=False, num_sanity_val_steps=0, accelerator="cpu",
    )  # fmt: skip
    trainer.fit(model, datamodule=dm)
    metrics = {**trainer.validate(model, datamodule=dm)[0], **trainer.test(model, datamodule=dm)[0]}
    return metrics, dm


def test_the_untrained_forecaster_scores_exactly_the_linear_ar_baseline(tmp_path):
    path = series_csv(tmp_path / "s.csv")
    for residual in (False, True):
        metrics, dm = untrained_scores(path, residual)
        test_ar = dm.baselines()["linear_ar"]
        val_ar = forecast_scores(dm.baseline_forecasts("val")["linear_ar"], dm.actuals("val")[0])
        for name, reference in (
            ("test/rmse", test_ar["test/rmse"]),
            ("test/rmse_h3", test_ar["test/rmse_h3"]),
            ("val/rmse", val_ar["test/rmse"]),
        ):
            assert abs(metrics[name] - reference) < 1e-4 * reference, (residual, name)
        # ... and the AR fit is far better than what the bare net starts from
        assert test_ar["test/rmse"] < 0.5 * dm.baselines()["persistence"]["test/rmse"]


def test_resuming_keeps_the_skip_from_the_checkpoint(tmp_path):
    """The AR fit happens once, when fitting starts; a restored state is not overwritten."""
    path = series_csv(tmp_path / "s.csv")
    dm = TimeSeriesDataModule(path=path, target="load", lookback=16, horizon=3)
    dm.setup("fit")
    model = Forecaster(dm.spec.to_dict(), NET, OPTIMIZER)
    trainer = pl.Trainer(max_epochs=0, logger=False, enable_checkpointing=False)
    trainer.fit(model, datamodule=dm)
    assert bool(model.skip_fitted) and model.skip.weight.abs().sum() > 0
    with torch.no_grad():
        model.skip.weight.add_(1.0)  # as if training had moved it
    moved = model.skip.weight.clone()
    trainer = pl.Trainer(max_epochs=0, logger=False, enable_checkpointing=False)
    trainer.fit(model, datamodule=dm)
    assert torch.equal(model.skip.weight, moved)
    restored = Forecaster(dm.spec.to_dict(), NET, OPTIMIZER)
    restored.load_state_dict(model.state_dict())
    restored.setup("fit")  # a restored model is never refitted
    assert torch.equal(restored.skip.weight, moved)


def test_a_last_test_batch_of_one_window_is_scored(tmp_path):
    """R2 accumulates over the epoch: a one-window batch is no error and counts like any other."""
    path = series_csv(tmp_path / "s.csv")
    dm = TimeSeriesDataModule(path=path, target="load", lookback=15, horizon=1, batch_size=32)
    dm.setup("fit")
    assert len(dm.sets["test"]) % 32 == 1
    model = Forecaster(dm.spec.to_dict(), NET, OPTIMIZER)
    trainer = pl.Trainer(max_epochs=0, logger=False, enable_checkpointing=False)
    trainer.fit(model, datamodule=dm)
    r2 = trainer.test(model, datamodule=dm)[0]["test/r2"]
    pred, y = (torch.cat(t).flatten() for t in zip(*model.test_forecasts, strict=True))
    assert r2 == pytest.approx(
        float(1 - (y - pred).square().sum() / (y - y.mean()).square().sum()), abs=1e-5
    )


def test_a_resumed_fit_takes_the_skip_from_the_checkpoint(tmp_path):
    path = series_csv(tmp_path / "s.csv")
    dm = TimeSeriesDataModule(path=path, target="load", lookback=16, horizon=3)
    dm.setup("fit")
    options = {"logger": False, "enable_progress_bar": False, "default_root_dir": str(tmp_path)}
    model = Forecaster(dm.spec.to_dict(), NET, OPTIMIZER, train_skip=True)
    trainer = pl.Trainer(max_epochs=1, **options)
    trainer.fit(model, datamodule=dm)
    ckpt = trainer.checkpoint_callback.best_model_path
    trained = torch.load(ckpt, weights_only=True)["state_dict"]["skip.weight"]
    at_start = Forecaster(dm.spec.to_dict(), NET, OPTIMIZER, train_skip=True)
    pl.Trainer(max_epochs=0, **options).fit(at_start, datamodule=dm)
    assert not torch.equal(at_start.skip.weight, trained)  # training moved it off the AR fit
    resumed = Forecaster(dm.spec.to_dict(), NET, OPTIMIZER, train_skip=True)
    pl.Trainer(max_epochs=1, **options).fit(resumed, datamodule=dm, ckpt_path=ckpt)
    assert torch.equal(resumed.skip.weight, trained)  # not refitted to AR after the restore


def test_train_skip_false_keeps_the_ar_map_while_the_net_learns(tmp_path):
    path = series_csv(tmp_path / "s.csv")
    dm = TimeSeriesDataModule(path=path, target="load", lookback=16, horizon=3)
    dm.setup("fit")
    options = {"logger": False, "enable_checkpointing": False, "enable_progress_bar": False}
    at_start = Forecaster(dm.spec.to_dict(), NET, OPTIMIZER)
    pl.Trainer(max_epochs=0, **options).fit(at_start, datamodule=dm)
    fixed = Forecaster(dm.spec.to_dict(), NET, OPTIMIZER, train_skip=False)
    pl.Trainer(max_epochs=2, **options).fit(fixed, datamodule=dm)
    assert torch.equal(fixed.skip.weight, at_start.skip.weight)
    assert torch.equal(fixed.skip.bias, at_start.skip.bias)
    assert float(fixed.net_scale) != 0.0  # the net's share did move
