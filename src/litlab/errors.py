"""User-facing errors, and the one place where any error becomes the sentence a user reads.

A LitlabError carries a sentence that tells the user what to fix. `explain` finds that
sentence behind whatever raised: a LitlabError (also when Hydra or Lightning wrapped it), a
Hydra composition error (an unknown option or choice), a config the target class rejected, or
an OmegaConf error met while reading the config. Anything else is a bug, and keeps its
traceback.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any


class LitlabError(Exception):
    """A problem with the user's input; the run stops with its message and a non-zero exit."""


class ConfigError(LitlabError):
    """An option value that cannot work."""


class DataError(LitlabError):
    """A dataset that is missing, corrupt or does not fit the request."""


class IncompatibleError(LitlabError):
    """A model/data pair that makes no sense together."""


class NonFiniteLossError(LitlabError):
    """Training that diverged: a loss, or what the model makes, turned NaN or infinite."""


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__).rstrip(".") + "."


def _chain(exc: BaseException | None) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and all(exc is not s for s in seen):
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def _composition(exc: BaseException, overrides: list[str]) -> str | None:
    """A Hydra composition error in one sentence, naming the override at fault."""
    from hydra.errors import MissingConfigException, OverrideParseException

    text = str(exc)
    if isinstance(exc, MissingConfigException):
        missing = re.search(r"Could not find '([^']+)'", text)
        options = re.findall(r"^\t(\S+)$", text, flags=re.MULTILINE)
        if missing and "/" in missing.group(1):
            group, _, name = missing.group(1).rpartition("/")
            choices = f"; choose one of: {', '.join(options)}" if options else ""
            return f"'{name}' is not a choice for the config group '{group}'{choices}."
    if isinstance(exc, OverrideParseException):
        from hydra.core.override_parser.overrides_parser import OverridesParser

        def parses(line: str) -> bool:
            try:
                OverridesParser.create().parse_override(line)
            except Exception:
                return False
            return True

        bad = next((o for o in overrides if not parses(o)), " ".join(overrides))
        return f"could not parse the override '{bad}': {text.splitlines()[0]}."
    unknown = re.search(r"Could not override '([^']+)'", text)
    if unknown:
        key = unknown.group(1)
        return (
            f"'{key}' is not a config option; check its spelling "
            f"(`--cfg job` prints them all), or add a new key with +{key}=..."
        )
    return None


def explain(exc: BaseException, overrides: list[str] | None = None) -> str | None:
    """The sentence for the user's mistake behind `exc`; None when it is a bug."""
    from hydra.errors import HydraException, InstantiationException
    from omegaconf.errors import OmegaConfBaseException

    chain = _chain(exc)
    for link in chain:
        if isinstance(link, LitlabError):
            return str(link)
    for link in chain:
        if isinstance(link, InstantiationException) and link.__cause__ is not None:
            target = re.search(r"target '([\w.]+)'", str(link))
            key = re.search(r"full_key: (\S+)", str(link))
            what = f"the {key.group(1) if key else ''} config".replace("  ", " ")
            where = f" ({target.group(1)})" if target else ""
            return f"{what}{where} was rejected: {first_line(link.__cause__)}"
    if isinstance(exc, HydraException):
        return _composition(exc, overrides or []) or first_line(exc)
    if isinstance(exc, OmegaConfBaseException):
        return f"the config does not work: {first_line(exc)}"
    return None


def run_or_explain(task: Callable[..., Any], *args: Any) -> Any:
    """`task(*args)` for a command that leaves no run folder: a user's mistake ends the process
    with its sentence on stderr and exit code 1, anything else keeps its traceback."""
    try:
        return task(*args)
    except Exception as exc:
        reason = explain(exc)
        if reason is None:
            raise
        print(f"error: {reason}", file=sys.stderr)
        sys.exit(1)
