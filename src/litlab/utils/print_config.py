"""Print the composed config as a tree at the start of a run."""

from __future__ import annotations

import rich.syntax
import rich.tree
from omegaconf import DictConfig, OmegaConf
from rich.console import Console

FIRST = ("data", "model", "trainer", "callbacks", "logger", "paths")


def print_config_tree(cfg: DictConfig, resolve: bool = False) -> None:
    """One branch per top-level group, with the groups a user changes most first."""
    tree = rich.tree.Tree("CONFIG", style="bold")
    keys = [k for k in FIRST if k in cfg] + [k for k in cfg if k not in FIRST and k != "hydra"]
    for key in keys:
        value = cfg[key]
        text = (
            OmegaConf.to_yaml(value, resolve=resolve)
            if isinstance(value, DictConfig)
            else str(value)
        )
        tree.add(str(key), style="bold cyan").add(rich.syntax.Syntax(text, "yaml"))
    Console(soft_wrap=True).print(tree)
