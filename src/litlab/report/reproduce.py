"""`python reproduce.py RUN_DIR` (`litlab-reproduce RUN_DIR`): run a run again from its own
record and say whether it came out the same.

The re-run is `python -m litlab train <the recorded overrides>` into a new folder beside the
run (`<run>_reproduce_<n>`, or `--out`). Re-running the overrides rather than the recorded
config is what makes a hand edit show: the config the overrides compose today is compared,
key by key, with the resolved config in `summary.json` and with `.hydra/config.yaml`, and any
key that differs (other than the run's own folder) is reported. Then each metric of the two
summaries is compared. Exit 1 when the config differs from the record, the status differs, or
a metric differs by more than `--tolerance` (default 0: a seeded CPU run repeats to the last
digit); 0 when it reproduced. Differences in the git commit, package versions or device are
reported as the likely reasons, without changing the exit code.

Single runs and sweep jobs can be re-run; a cross-validation run or fold, and a run that
started from a checkpoint, get one sentence and exit 1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from omegaconf import OmegaConf
from rich.console import Console
from rich.table import Table

from litlab.errors import LitlabError
from litlab.utils.summary import read_summary

# keys that name the run's own folder, which a re-run changes by design
OWN_FOLDER_KEYS = ("paths.output_dir", "paths.figures_dir", "trainer.default_root_dir")
# Hydra settings a re-run needs to compose the same config (a user's own config folders)
KEPT_HYDRA_OVERRIDES = ("hydra.searchpath",)
DEVICE_LINE = re.compile(r"GPU available: (\w+), used: (\w+)")


class ReproduceError(LitlabError):
    """A folder that cannot be re-run from its record."""


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="reproduce.py",
        description="Re-run a run from its record; compare its config and metrics with it.",
    )
    parser.add_argument("run", type=Path, help="a run folder (or a sweep's job folder)")
    parser.add_argument(
        "--tolerance",
        type=float,
        default=0.0,
        help="the largest absolute difference a metric may show (default 0: exact)",
    )
    parser.add_argument(
        "--out", type=Path, help="the re-run's folder (default <run>_reproduce_<n>)"
    )
    return parser.parse_args(argv)


def read_record(run: Path) -> dict[str, Any]:
    """The run's summary, when it records enough to be re-run; else one sentence."""
    if not (run / "summary.json").is_file():
        what = "is not a folder" if not run.is_dir() else "has no summary.json"
        raise ReproduceError(
            f"{run} {what}; give the folder of one run (outputs/train/runs/<time>, or a "
            "sweep's job folder)."
        )
    summary = read_summary(run)
    if "config" not in summary or "overrides" not in summary:
        raise ReproduceError(
            f"{run}/summary.json records no config and overrides, so the run cannot be re-run "
            "from its record."
        )
    config = summary["config"]
    cv = config.get("cv") or {}
    if summary.get("cv") or cv.get("folds") or cv.get("bootstrap") or cv.get("fold") is not None:
        raise ReproduceError(
            f"{run} is a cross-validation run or fold, which reproduce does not re-run; run its "
            "command again (python train.py plus its overrides) and compare the summaries."
        )
    if config.get("ckpt_path"):
        raise ReproduceError(
            f"{run} started from a checkpoint (ckpt_path={config['ckpt_path']}), so its record "
            "does not say how that checkpoint came to be; reproduce re-runs runs trained from "
            "scratch."
        )
    return summary


def recorded_overrides(run: Path, summary: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The task overrides as summary.json records them, and the notes on where
    `.hydra/overrides.yaml` disagrees with them."""
    overrides = [str(o) for o in summary["overrides"]]
    path = run / ".hydra" / "overrides.yaml"
    if path.is_file():
        hydra = [str(o) for o in yaml.safe_load(path.read_text()) or []]
        if hydra != overrides:
            return overrides, [
                f"overrides: summary.json {overrides} but .hydra/overrides.yaml {hydra}"
            ]
    return overrides, []


def hydra_overrides(run: Path) -> list[str]:
    """The Hydra overrides (e.g. `hydra.searchpath`) that shaped the run's config."""
    path = run / ".hydra" / "hydra.yaml"
    if not path.is_file():
        return []
    recorded = ((yaml.safe_load(path.read_text()) or {}).get("hydra") or {}).get("overrides")
    return [
        str(o) for o in (recorded or {}).get("hydra") or [] if o.startswith(KEPT_HYDRA_OVERRIDES)
    ]


def next_folder(run: Path) -> Path:
    n = 1
    while (folder := run.with_name(f"{run.name}_reproduce_{n}")).exists():
        n += 1
    return folder


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as `a.b.c` keys; lists and scalars as leaves."""
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): value}


def moved(value: Any, old: re.Pattern[str], new: str) -> Any:
    """`value` with the old run folder's path (a whole path or its start) replaced by `new`."""
    if isinstance(value, str):
        return old.sub(new, value)
    if isinstance(value, dict):
        return {k: moved(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [moved(v, old, new) for v in value]
    return value


def config_differences(
    recorded: dict[str, Any], now: dict[str, Any], old_dirs: list[str], new_dir: str
) -> list[tuple[str, Any, Any]]:
    """(key, recorded, now) for every key whose value differs, the run folders aside."""
    folders = sorted(set(old_dirs), key=len, reverse=True)
    pattern = re.compile("(?:" + "|".join(map(re.escape, folders)) + r")(?=/|$)")
    recorded = moved(recorded, pattern, new_dir) if folders else recorded
    then, today = flatten(recorded), flatten(now)
    keys = [k for k in dict.fromkeys([*then, *today]) if k not in OWN_FOLDER_KEYS]
    missing = "(absent)"
    return [
        (k, then.get(k, missing), today.get(k, missing))
        for k in keys
        if then.get(k, missing) != today.get(k, missing)
    ]


def raw_config(folder: Path) -> dict[str, Any] | None:
    """`.hydra/config.yaml` as written, interpolations unresolved."""
    path = folder / ".hydra" / "config.yaml"
    if not path.is_file():
        return None
    return OmegaConf.to_container(OmegaConf.load(path), resolve=False)


def device(folder: Path) -> str | None:
    """ "GPU" or "CPU", as Lightning's start-up line in the run's log says it ran."""
    log = folder / "train.log"
    found = DEVICE_LINE.search(log.read_text(errors="replace")) if log.is_file() else None
    if found is None:
        return None
    return "GPU" if found.group(2) == "True" else "CPU"


def environment_notes(run: Path, then: dict[str, Any], new: Path, now: dict[str, Any]) -> list[str]:
    """Where the recorded commit, package versions or device differ from the re-run's."""
    notes = []
    old_git, new_git = then.get("git") or {}, now.get("git") or {}
    if old_git.get("commit") != new_git.get("commit"):
        notes.append(f"git commit: recorded {old_git.get('commit')}, now {new_git.get('commit')}")
    for name, git in (("the recorded run", old_git), ("the re-run", new_git)):
        if git.get("dirty"):
            notes.append(f"{name} had uncommitted changes in the litlab source tree")
    old_v, new_v = then.get("versions") or {}, now.get("versions") or {}
    for package in dict.fromkeys([*old_v, *new_v]):
        if old_v.get(package) != new_v.get(package):
            notes.append(f"{package}: recorded {old_v.get(package)}, now {new_v.get(package)}")
    old_device, new_device = device(run), device(new)
    if old_device != new_device:
        notes.append(f"device: recorded {old_device or 'unknown'}, now {new_device or 'unknown'}")
    return notes


def value_text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def metric_rows(
    then: dict[str, Any], now: dict[str, Any], tolerance: float
) -> list[tuple[str, str, str, str, bool]]:
    """(metric, recorded, now, difference, differs) for every metric either summary has."""
    rows = []
    old, new = then.get("metrics") or {}, now.get("metrics") or {}
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if isinstance(a, int | float) and isinstance(b, int | float):
            diff = float(b) - float(a)
            differs = abs(diff) > tolerance
            text = "0" if diff == 0 else f"{diff:+.3g}"
        else:
            differs = a != b
            text = "" if not differs else "missing"
        rows.append((name, value_text(a), value_text(b), text, differs))
    return rows


def recorded_config_differences(
    run: Path, then: dict[str, Any], new: Path, now: dict[str, Any]
) -> dict[str, tuple[Any, Any, list[str]]]:
    """key -> (recorded, re-run, where recorded) over summary.json and .hydra/config.yaml."""
    old_dirs = [(then["config"].get("paths") or {}).get("output_dir"), str(run.resolve())]
    differences: dict[str, tuple[Any, Any, list[str]]] = {}
    for source, recorded, today in (
        ("summary.json", then["config"], now.get("config") or {}),
        (".hydra/config.yaml", raw_config(run), raw_config(new)),
    ):
        if recorded is None or today is None:
            continue
        found = config_differences(recorded, today, [d for d in old_dirs if d], str(new.resolve()))
        for key, a, b in found:
            differences.setdefault(key, (a, b, []))[2].append(source)
    return differences


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def rerun(run: Path, summary: dict[str, Any], new: Path) -> dict[str, Any]:
    """Train again with the recorded overrides into `new`; its summary, marked as a re-run."""
    overrides = [str(o) for o in summary["overrides"]]
    command = [sys.executable, "-m", "litlab", "train", *overrides, *hydra_overrides(run)]
    command.append(f"hydra.run.dir={new}")
    new.mkdir(parents=True)
    log = new / "reproduce.log"
    with log.open("w") as out:
        code = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False).returncode
    if not (new / "summary.json").is_file():
        raise ReproduceError(f"the re-run ended (exit code {code}) without a summary; see {log}.")
    now = read_summary(new)
    now["reproduces"] = str(run.resolve())
    tmp = new / "summary.json.tmp"
    tmp.write_text(json.dumps(now, indent=2, default=str) + "\n")
    os.replace(tmp, new / "summary.json")
    return now


def reproduce(
    run: Path, tolerance: float = 0.0, out: Path | None = None, console: Console | None = None
) -> int:
    """Re-run `run` from its record, print what differs; 0 when it reproduced, else 1."""
    console = console or Console(width=160)
    run = Path(run)
    then = read_record(run)
    _, notes = recorded_overrides(run, then)
    new = Path(out) if out else next_folder(run)
    if new.exists():
        raise ReproduceError(f"{new} exists already; give --out a new folder.")
    console.print(
        f"re-running {run} into {new}: python -m litlab train {' '.join(then['overrides'])}",
        highlight=False,
        soft_wrap=True,
    )
    now = rerun(run, then, new)

    differences = recorded_config_differences(run, then, new, now)
    table = Table(title=f"{run} (recorded) and {new} (now)")
    for column in ("metric", "recorded", "now", "difference"):
        table.add_column(column, overflow="fold")
    rows = metric_rows(then, now, tolerance)
    status_differs = then.get("status") != now.get("status")
    table.add_row(
        "status",
        str(then.get("status")),
        str(now.get("status")),
        "differs" if status_differs else "",
        style="red" if status_differs else None,
    )
    for name, a, b, diff, differs in rows:
        table.add_row(name, a, b, diff, style="red" if differs else None)
    console.print(table)

    for key, (a, b, sources) in differences.items():
        console.print(
            f"config differs from the record: {key} recorded {a}, re-run {b} "
            f"({' and '.join(sources)})",
            highlight=False,
            soft_wrap=True,
        )
    for line in notes + environment_notes(run, then, new, now):
        console.print(f"note: {line}", highlight=False, soft_wrap=True)
    failed = [name for name, *_, differs in rows if differs]
    problems = []
    if differences:
        problems.append(f"the config differs from the record in {plural(len(differences), 'key')}")
    if status_differs:
        problems.append(f"the status is {now.get('status')}, recorded {then.get('status')}")
    if failed:
        problems.append(
            f"{plural(len(failed), 'metric')} beyond the tolerance {tolerance:g}: "
            + ", ".join(failed)
        )
    if notes:
        problems.append("the recorded overrides disagree with each other")
    if problems:
        console.print(f"not reproduced: {'; '.join(problems)}.", highlight=False, soft_wrap=True)
        return 1
    console.print(
        f"reproduced: every metric within {tolerance:g} of the record ({len(rows)} metrics).",
        highlight=False,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    try:
        return reproduce(args.run, args.tolerance, args.out)
    except LitlabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
