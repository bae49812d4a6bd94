"""A run composes its command line once (litlab.compose), into what Hydra itself composes."""

from __future__ import annotations

import sys

import hydra
import pytest
from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf

from litlab import compose
from litlab.cli import launch
from litlab.compose import RUN_MODE, composed
from litlab.conf_dir import conf_dir

LINE = ["data=mnist", "trainer.max_epochs=7", "model.optimizer.lr=0.01", "hydra.run.dir=/tmp/x"]


@pytest.fixture
def fresh_memory():
    compose.MEMORY.clear()
    GlobalHydra.instance().clear()
    yield
    compose.MEMORY.clear()
    GlobalHydra.instance().clear()


@pytest.fixture
def compositions(monkeypatch, fresh_memory):
    """Counts the compositions Hydra really makes."""
    calls: list[list[str]] = []
    real = ConfigLoaderImpl._load_configuration_impl

    def counted(self, config_name, overrides, *args, **kwargs):
        calls.append(list(overrides))
        return real(self, config_name, overrides, *args, **kwargs)

    monkeypatch.setattr(ConfigLoaderImpl, "_load_configuration_impl", counted)
    return calls


def test_a_remembered_line_is_the_config_a_fresh_composition_gives(fresh_memory):
    fresh = OmegaConf.to_yaml(composed("train", [*LINE, RUN_MODE]))
    compose.MEMORY.clear()
    composed("train", LINE)
    remembered = composed("train", [*LINE, RUN_MODE])  # as Hydra's run asks for it
    assert OmegaConf.to_yaml(remembered) == fresh
    remembered.trainer.max_epochs = 1  # each caller gets its own copy
    assert composed("train", LINE).trainer.max_epochs == 7


def test_the_values_an_override_replaced_are_the_defaults(fresh_memory):
    composed("train", LINE)
    replaced = compose.replaced_values("train", LINE)
    defaults = composed("train", ["data=mnist"])
    assert replaced["trainer.max_epochs"] == defaults.trainer.max_epochs != 7
    assert replaced["model.optimizer.lr"] == defaults.model.optimizer.lr != 0.01


def test_a_run_composes_its_command_line_once(compositions, monkeypatch, tmp_path):
    seen: list[DictConfig] = []

    @hydra.main(version_base="1.3", config_path=conf_dir(), config_name="train")
    def task(cfg: DictConfig) -> None:
        seen.append(cfg)

    line = ["data=mnist", "trainer.max_epochs=7", f"hydra.run.dir={tmp_path}"]
    monkeypatch.setattr(sys, "argv", ["train.py", *line])
    launch("train", task)
    assert compositions == [line]  # the check's; Hydra's mode and run reuse it
    assert seen[0].trainer.max_epochs == 7
    assert (tmp_path / ".hydra" / "overrides.yaml").is_file()


def test_a_wrong_value_type_is_still_caught_from_one_composition(compositions, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["train.py", "trainer.max_epochs=three", "hydra.run.dir=/x"])
    with pytest.raises(SystemExit) as exit_:
        launch("train", lambda: None, summary=False)
    assert exit_.value.code == 1
    assert len(compositions) == 1
