"""`python export.py ckpt_path=... format=onnx|torchscript|exported_program` / `litlab-export`:
a checkpoint's model as one file another runtime loads, checked before it is kept
(`litlab.exporting.checked`)."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from litlab.conf_dir import conf_dir
from litlab.preflight import check_command_line, task_imports


def main() -> None:
    """`litlab-export`: a checkpoint's model as ONNX, TorchScript or an ExportedProgram."""
    check_command_line("export", summary=False)
    run()


@hydra.main(version_base="1.3", config_path=conf_dir(), config_name="export")
def run(cfg: DictConfig) -> None:
    with task_imports():
        from litlab.errors import run_or_explain
        from litlab.exporting.checked import export

    run_or_explain(export, cfg)


if __name__ == "__main__":
    main()
