"""A search space in Hydra's sweep syntax (`choice`, `range`, `interval`, `tag(log, ...)`) as
Optuna distributions, and a trial's parameters back as Hydra overrides."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import (
    ChoiceSweep,
    IntervalSweep,
    Override,
    RangeSweep,
    Transformer,
)
from hydra.errors import HydraException

from litlab.errors import ConfigError


def distribution(override: Override) -> Any:
    """The Optuna distribution of one sweep override (`key=choice(...)`, ...)."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    value = override.value()
    key = override.get_key_element()
    if isinstance(value, ChoiceSweep) or (isinstance(value, RangeSweep) and value.shuffle):
        return CategoricalDistribution(list(override.sweep_iterator(Transformer.encode)))
    if isinstance(value, RangeSweep):
        if any(isinstance(v, float) for v in (value.start, value.stop, value.step)):
            return FloatDistribution(value.start, value.stop, step=value.step)
        return IntDistribution(int(value.start), int(value.stop) - 1, step=int(value.step))
    if isinstance(value, IntervalSweep):
        log = "log" in value.tags
        if isinstance(value.start, int) and isinstance(value.end, int):
            return IntDistribution(value.start, value.end, log=log)
        return FloatDistribution(float(value.start), float(value.end), log=log)
    raise ConfigError(
        f"search_space {key}: use choice(...), range(...) or interval(...), "
        f"optionally in tag(log, ...), not {override.get_value_element_as_str()}."
    )


def parse(lines: list[str]) -> list[Override]:
    try:
        return OverridesParser.create().parse_overrides(lines)
    except HydraException as exc:
        first = str(exc).strip().splitlines()[0]
        raise ConfigError(f"search_space does not parse: {first}") from exc


def search_space(declared: Mapping[str, Any], arguments: list[str]) -> tuple[dict, list[str]]:
    """Optuna distributions by key, from the config's `search_space` and the command line's
    sweeps (which win), and the command line's other overrides, which every trial gets."""
    lines = [f"{key}={value}" for key, value in declared.items()]
    space = {}
    for override in parse(lines):
        if not override.is_sweep_override():
            raise ConfigError(
                f"search_space {override.get_key_element()}: "
                f"'{override.get_value_element_as_str()}' is one value, not a range to search; "
                "use choice(...), range(...) or interval(...)."
            )
        space[override.get_key_element()] = distribution(override)
    fixed = []
    for override in parse(arguments):
        if override.is_sweep_override():
            space[override.get_key_element()] = distribution(override)
        else:
            fixed.append(override.input_line)
    return space, fixed


def as_override(key: str, value: Any) -> str:
    """`key=value` as Hydra parses it back to `value`."""
    if isinstance(value, bool):
        text = str(value).lower()
    elif value is None:
        text = "null"
    else:
        text = str(value)
    return f"{key}={text}"
