"""`python demo.py ckpt_path=...` / `litlab-demo`: a local web page for a checkpoint's model
(draw a digit, fill a table row, sample a generator; `litlab.demo`)."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from litlab.conf_dir import conf_dir
from litlab.preflight import check_command_line, task_imports


def main() -> None:
    """`litlab-demo`: serve the page on this machine until stopped."""
    check_command_line("demo", summary=False)  # serving leaves no run folder
    run()


@hydra.main(version_base="1.3", config_path=conf_dir(), config_name="demo")
def run(cfg: DictConfig) -> None:
    with task_imports():
        from litlab.demo.app import serve
        from litlab.errors import run_or_explain

    run_or_explain(serve, cfg)


if __name__ == "__main__":
    main()
