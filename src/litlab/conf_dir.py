"""Where the Hydra configs live: `conf/` of a source checkout, or the installed `litlab.conf`."""

from __future__ import annotations

from pathlib import Path


def conf_dir() -> str:
    checkout = Path(__file__).resolve().parents[2] / "conf"
    if (checkout / "train.yaml").is_file():
        return str(checkout)
    from importlib.resources import files

    return str(files("litlab.conf"))
