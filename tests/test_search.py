"""hparams_search=optuna: the space in Hydra's sweep syntax, a resumed study, a pruned trial."""

from __future__ import annotations

import math

import hydra
import optuna
import pytest
import yaml
from omegaconf import OmegaConf
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState

from hydra_plugins.litlab_optuna.space import as_override, search_space
from hydra_plugins.litlab_optuna.sweeper import check_same_command
from litlab.errors import ConfigError
from litlab.report.collect import collect
from litlab.report.command import main as report
from litlab.utils.summary import read_summary
from tests.conftest import compose_cfg, run_cli

# a search as small as one: a few batches per epoch, no test, logger, baselines or figures
TINY = [
    "hparams_search=optuna",
    "logger=null",
    "test=false",
    "baselines=false",
    "callbacks.loss_curves=null",
    "callbacks.confusion_matrix=null",
    "hydra.sweeper.figures=false",
    "trainer.limit_train_batches=3",
    "trainer.limit_val_batches=1",
]
SHIPPED = ("digits_classifier", "mnist_vae", "wine_classifier")


def load(folder, name):
    return optuna.load_study(study_name=name, storage=f"sqlite:///{folder}/optuna.db")


def test_the_space_translates_log_int_and_choice_and_command_line_sweeps_join_it():
    declared = {
        "model.optimizer.lr": "tag(log, interval(1e-4, 1e-1))",
        "model.net.dropout": "interval(0.0, 0.5)",
        "trainer.max_epochs": "range(2, 6)",
        "model.net.hidden": "choice(64, 128, 256)",
        "model.net.table.hidden": "choice([64], [128, 64])",
    }
    space, fixed = search_space(declared, ["seed=3", "model.net.dropout=interval(0.1,0.2)"])
    assert space["model.optimizer.lr"] == FloatDistribution(1e-4, 1e-1, log=True)
    assert space["model.net.dropout"] == FloatDistribution(0.1, 0.2)  # the command line wins
    assert space["trainer.max_epochs"] == IntDistribution(2, 5)  # range's end is exclusive
    assert space["model.net.hidden"] == CategoricalDistribution([64, 128, 256])
    assert space["model.net.table.hidden"] == CategoricalDistribution(["[64]", "[128,64]"])
    assert fixed == ["seed=3"]
    assert as_override("model.net.table.hidden", "[128,64]") == "model.net.table.hidden=[128,64]"
    with pytest.raises(ConfigError, match="is one value, not a range to search"):
        search_space({"model.optimizer.lr": "0.1"}, [])


def test_an_empty_space_is_one_sentence_naming_the_experiments_that_have_one(tmp_path, capsys):
    cfg = compose_cfg(["hparams_search=optuna"], tmp_path)  # no experiment: no space
    sweeper = hydra.utils.instantiate(cfg.hydra.sweeper)
    sweeper.config = cfg
    with pytest.raises(SystemExit) as stop:
        sweeper.sweep([])
    assert stop.value.code == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: hparams_search=optuna found no search_space to search; choose an experiment "
        f"that declares one (experiment={', '.join(SHIPPED)}), declare `search_space:` in "
        "yours, or give sweeps (key=interval(a,b)) on the command line."
    ]


@pytest.mark.parametrize("experiment", SHIPPED)
def test_each_shipped_space_composes_and_a_trials_overrides_apply(tmp_path, experiment):
    cfg = compose_cfg(["hparams_search=optuna", f"experiment={experiment}"], tmp_path)
    assert cfg.hydra.sweeper._target_.endswith("OptunaSweeper")
    assert cfg.callbacks.optuna_pruning.monitor == cfg.model.monitor
    space, _ = search_space(cfg.search_space, [])
    assert len(space) >= 3
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    trial = study.ask(space)
    overrides = [as_override(k, v) for k, v in trial.params.items()]
    tried = compose_cfg([f"experiment={experiment}", *overrides], tmp_path)
    for key, value in trial.params.items():
        expected = yaml.safe_load(value) if isinstance(value, str) else value  # "[128,64]"
        assert OmegaConf.to_object(OmegaConf.create({"v": OmegaConf.select(tried, key)}))[
            "v"
        ] == pytest.approx(expected), key


def test_an_interrupted_search_continues_its_study_when_the_command_is_repeated(tmp_path):
    command = [
        "-m",
        *TINY,
        "experiment=digits_classifier",
        "trainer.max_epochs=1",
        "hydra.sweeper.n_trials=6",
        f"hydra.sweep.dir={tmp_path}",
        # SIGTERM while trial 3 trains, after trials 0-2 finished
        "+callbacks.stop._target_=tests.probes.SigtermAtJob",
        "+callbacks.stop.job=3",
    ]
    first = run_cli("train.py", command)
    assert first.returncode == 128 + 15, first.stderr[-2000:]
    assert read_summary(tmp_path / "3")["status"] == "interrupted"

    again = run_cli("train.py", command)
    assert again.returncode == 0, again.stderr[-2000:]
    storage = f"sqlite:///{tmp_path}/optuna.db"
    assert f"Continuing study digits_classifier in {storage}: 3 of 6 trials done" in again.stdout
    trials = load(tmp_path, "digits_classifier").trials
    states = [t.state for t in trials]
    assert states.count(TrialState.COMPLETE) == 6  # one study of 6 finished trials, not 9
    assert states[3] == TrialState.FAIL and trials[3].user_attrs["interrupted"] is True
    assert trials[4].params == trials[3].params  # the interrupted trial's point, run again
    assert [read_summary(tmp_path / str(n))["status"] for n in range(7)] == [
        *["ok"] * 3,
        "interrupted",
        *["ok"] * 3,
    ]
    assert [t.user_attrs.get("job") for t in trials if t.state == TrialState.COMPLETE] == [
        str(tmp_path / str(n)) for n in (0, 1, 2, 4, 5, 6)
    ]


def test_a_pruned_trial_is_pruned_in_the_study_its_summary_and_the_report(tmp_path, capsys):
    command = [
        "-m",
        *TINY,
        "trainer.max_epochs=2",
        "model.optimizer.lr=tag(log,interval(1e-8,1e-1))",  # the space, from the command line
        "hydra.sweeper.n_trials=2",
        "hydra.sweeper.enqueue=[{model.optimizer.lr:0.01},{model.optimizer.lr:1e-8}]",
        "hydra.sweeper.pruner.n_startup_trials=1",
        "hydra.sweeper.pruner.n_warmup_steps=0",
        f"hydra.sweep.dir={tmp_path}",
    ]
    result = run_cli("train.py", command)
    assert result.returncode == 0, result.stderr[-2000:]
    good, hopeless = load(tmp_path, "default").trials
    assert good.state == TrialState.COMPLETE and hopeless.state == TrialState.PRUNED
    assert hopeless.params == {"model.optimizer.lr": 1e-8}
    summary = read_summary(tmp_path / "1")
    assert summary["status"] == "pruned"
    epoch, value = max(hopeless.intermediate_values.items())
    assert summary["error"] == (
        f"pruned at epoch {epoch}: val/acc={value:.4g} is worse than the pruner's threshold for "
        "that epoch"
    )
    assert summary["metrics"]["val/acc"] == pytest.approx(value)
    assert not math.isnan(good.value)
    assert [job.status for job in collect(tmp_path)] == ["ok", "pruned"]
    assert report([str(tmp_path)]) == 0
    table = [line for line in capsys.readouterr().out.splitlines() if "│ 1 " in line]
    assert "pruned" in table[0]


def test_a_study_continues_only_under_the_overrides_that_began_it():
    study = optuna.create_study(study_name="s")
    check_same_command(study, ["trainer.max_epochs=5", "seed=1"], "memory")
    check_same_command(study, ["seed=1", "trainer.max_epochs=5"], "memory")  # in any order
    with pytest.raises(ConfigError) as error:
        check_same_command(study, ["seed=1", "trainer.max_epochs=3"], "memory")
    assert str(error.value).startswith(
        "the study s in memory was begun with the overrides seed=1 trainer.max_epochs=5, "
        "not seed=1 trainer.max_epochs=3;"
    )
