"""`python train.py --help`: the config groups and their choices, read from `conf/`.

Each choice is described by the first comment line of its YAML file, so the help is the
configs' own documentation. It is read from the files, not composed: Hydra's own `--help`
composes every group once and takes a few seconds (`--hydra-help` still shows Hydra's flags).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from litlab.conf_dir import config_roots

SKIPPED_GROUPS = ("hydra",)  # Hydra's own settings; `--hydra-help` documents them


def description(path: Path) -> str:
    """The first comment line of a YAML file, without the `#` (Hydra's `# @package` skipped)."""
    for line in path.read_text().splitlines():
        if line.startswith("# @"):
            continue
        if line.startswith("#"):
            return line.lstrip("# ").rstrip()
        if line.strip():
            break
    return ""


def default_choices(config: Path) -> dict[str, str]:
    """The group choices a top-level config's defaults list makes (`data: digits`)."""
    entries = (yaml.safe_load(config.read_text()) or {}).get("defaults") or []
    return {
        str(key): str(value)
        for entry in entries
        if isinstance(entry, dict)
        for key, value in entry.items()
    }


def group_choices(roots: list[Path]) -> dict[str, dict[str, Path]]:
    """Every config group under `roots` with its choices' files (the first root wins a name,
    as in Hydra's search path), so a user's own groups and choices are listed too."""
    groups: dict[str, dict[str, Path]] = {}
    for root in roots:
        for folder in sorted(p for p in root.rglob("*") if p.is_dir()):
            group = folder.relative_to(root).as_posix()
            if group.split("/")[0] in SKIPPED_GROUPS:
                continue
            for choice in sorted(folder.glob("*.yaml")):
                groups.setdefault(group, {}).setdefault(choice.stem, choice)
    return dict(sorted(groups.items()))


def group_lines(group: str, choices: dict[str, Path], default: str | None, width: int) -> list[str]:
    lines = [f"  {group}"]
    pad = max(len(name) for name in choices) + 2
    for name, path in sorted(choices.items()):
        mark = "*" if name == default else " "
        text = f"   {mark}{name:<{pad}}{description(path)}"
        lines.append(text if len(text) <= width else text[: width - 3] + "...")
    return lines


def help_text(config_name: str, overrides: list[str] | None = None) -> str:
    """The help of one command; `overrides` may add config folders (`hydra.searchpath=`)."""
    roots = config_roots(overrides or [])
    config = roots[0] / f"{config_name}.yaml"
    defaults = default_choices(config)
    width = max(60, shutil.get_terminal_size((100, 20)).columns)
    lines = [
        description(config),  # e.g. "litlab training: `python train.py [group=choice ...] ...`"
        "",
        "Config groups (conf/<group>/<choice>.yaml; * marks the default):",
    ]
    for group, choices in group_choices(roots).items():
        lines += group_lines(group, choices, defaults.get(group), width)
    lines += [
        "",
        f"Every option: python {config_name}.py [overrides] --cfg job (the composed config).",
        "Hydra's own flags (--multirun, --config-dir, ...): --hydra-help.",
        "Your own configs: hydra.searchpath=[file://DIR] (DIR/<group>/<choice>.yaml).",
    ]
    return "\n".join(lines)
