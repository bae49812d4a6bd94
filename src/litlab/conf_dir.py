"""Where the Hydra configs live: the installed `litlab/conf/` (a wheel), else `conf/` of the
source checkout (an editable install or `PYTHONPATH=src`), plus the folders a user adds with
`hydra.searchpath=[file://my_conf]`."""

from __future__ import annotations

from pathlib import Path


def conf_dir() -> str:
    package = Path(__file__).resolve().parent
    installed = package / "conf"  # the wheel maps conf/ to the package litlab.conf
    if (installed / "train.yaml").is_file():
        return str(installed)
    return str(package.parents[1] / "conf")


def search_path(overrides: list[str]) -> list[str]:
    """The `hydra.searchpath` entries of a command line (`file://DIR`, `pkg://module`)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    entries: list[str] = []
    for line in overrides:
        if line.lstrip("+").split("=", 1)[0] != "hydra.searchpath":
            continue
        try:
            value = OverridesParser.create().parse_override(line).value()
        except HydraException:
            continue  # composing the command line explains it
        entries += [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return entries


def config_roots(overrides: list[str]) -> list[Path]:
    """litlab's config folder, then each searchpath folder, in Hydra's order (the first
    folder that has a config file wins); a `pkg://` entry is the installed package's folder."""
    roots = [Path(conf_dir())]
    for entry in search_path(overrides):
        scheme, _, where = entry.rpartition("://")
        if scheme == "pkg":
            from importlib.util import find_spec

            spec = find_spec(where.replace("/", "."))
            locations = list(spec.submodule_search_locations or []) if spec else []
            roots += [Path(p) for p in locations[:1]]
        elif scheme in ("file", ""):
            roots.append(Path(where))
    return [root for root in roots if root.is_dir()]
