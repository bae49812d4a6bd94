"""`python train.py --help`: the config groups and their choices, read from `conf/`.

Each choice is described by the first comment line of its YAML file, so the help is the
configs' own documentation. It is read from the files, not composed: Hydra's own `--help`
composes every group once and takes a few seconds (`--hydra-help` still shows Hydra's flags).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from litlab.conf_dir import conf_dir

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


def group_lines(root: Path, group: str, default: str | None, width: int) -> list[str]:
    lines = [f"  {group}"]
    choices = sorted((root / group).glob("*.yaml"))
    pad = max(len(c.stem) for c in choices) + 2
    for choice in choices:
        mark = "*" if choice.stem == default else " "
        text = f"   {mark}{choice.stem:<{pad}}{description(choice)}"
        lines.append(text if len(text) <= width else text[: width - 3] + "...")
    return lines


def help_text(config_name: str) -> str:
    root = Path(conf_dir())
    config = root / f"{config_name}.yaml"
    defaults = default_choices(config)
    width = max(60, shutil.get_terminal_size((100, 20)).columns)
    groups = sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_dir() and any(p.glob("*.yaml")) and p.parts[len(root.parts)] not in SKIPPED_GROUPS
    )
    lines = [
        description(config),  # e.g. "litlab training: `python train.py [group=choice ...] ...`"
        "",
        "Config groups (conf/<group>/<choice>.yaml; * marks the default):",
    ]
    for group in groups:
        lines += group_lines(root, group, defaults.get(group), width)
    lines += [
        "",
        f"Every option: python {config_name}.py [overrides] --cfg job (the composed config).",
        "Hydra's own flags (--multirun, --config-dir, ...): --hydra-help.",
    ]
    return "\n".join(lines)
