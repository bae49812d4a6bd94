"""`python ensemble.py ckpts=[...]` / `litlab-ensemble`: the mean prediction of any list of
checkpoints of one data on that data's test set, beside each member's test metric."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import hydra
from omegaconf import DictConfig, OmegaConf

from litlab.conf_dir import conf_dir
from litlab.errors import ConfigError
from litlab.preflight import check_command_line, task_imports

log = logging.getLogger(__name__)


def main() -> None:
    """`litlab-ensemble`: the mean prediction of several checkpoints on their test set."""
    check_command_line("ensemble", summary=False)
    run()


@hydra.main(version_base="1.3", config_path=conf_dir(), config_name="ensemble")
def run(cfg: DictConfig) -> None:
    with task_imports():
        from litlab.errors import run_or_explain

    run_or_explain(ensemble, cfg)


def member_data(cfg: DictConfig, ckpt: str) -> DictConfig:
    """The checkpoint's own data config (and its CV fold, if any), reading from this
    machine's `paths.data_dir`."""
    from litlab.utils.checkpoints import read_checkpoint

    stored = read_checkpoint(ckpt).get("litlab_config") or {}
    if "data" not in stored:
        raise ConfigError(f"{ckpt} does not record its data, so it has no test set to join.")
    data = OmegaConf.create(stored["data"])
    data.data_dir = cfg.paths.data_dir
    return OmegaConf.create({"data": data, "cv": stored.get("cv")})


def ensemble(cfg: DictConfig) -> dict[str, Any]:
    """Each checkpoint's test predictions on its own rebuilt data, averaged; the table is
    printed and written to `out/ensemble.csv` (and the numbers to `out/ensemble.json`)."""
    from litlab.builders import build_datamodule
    from litlab.cv.ensemble import average, print_table, write_table
    from litlab.cv.members import predict_split
    from litlab.utils.checkpoints import load_model

    paths = [str(p) for p in cfg.ckpts or []]
    if len(paths) < 2:
        raise ConfigError(f"ckpts lists {len(paths)} checkpoint(s); an ensemble needs two or more.")
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        raise ConfigError(f"ckpts: {missing[0]} does not exist; list the .ckpt files to average.")
    members, kinds = [], set()
    for path in paths:
        model = load_model(path, cfg.device)
        data = member_data(cfg, path)
        kinds.add(data.data._target_)
        if len(kinds) > 1:
            raise ConfigError(
                f"{path} was trained on {data.data._target_}, another data than the first "
                "checkpoint's; an ensemble needs checkpoints of one data."
            )
        members.append(predict_split(model, build_datamodule(data, stage="test"), "test"))
    result = average(paths, members)
    out = Path(str(cfg.out))
    write_table(result, out / "ensemble.csv")
    (out / "ensemble.json").write_text(json.dumps(result, indent=2) + "\n")
    print_table(result)
    log.info("Ensemble table: %s", out / "ensemble.csv")
    return result


if __name__ == "__main__":
    main()
