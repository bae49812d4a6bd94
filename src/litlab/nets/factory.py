"""Building nets from the data: each net receives the data facts its signature asks for, and
`model/net=auto` picks the usual net for the data's input kind."""

from __future__ import annotations

import inspect
from typing import Any

import hydra.utils
from torch import nn

from litlab.data.spec import INPUT_WORDS
from litlab.errors import ConfigError, IncompatibleError


def instantiate_net(config: dict[str, Any], **facts: Any) -> nn.Module:
    """Instantiate a net config, passing only the data facts (`in_shape`, `out_features`,
    `categories`, `input_kind`, ...) that the net's constructor takes and the config leaves
    unset. A net that declares `inputs` (input kinds it reads) is checked against the data."""
    target = hydra.utils.get_object(config["_target_"])
    kind = facts.get("input_kind")
    accepts = getattr(target, "inputs", None)
    if kind is not None and accepts is not None and kind not in accepts:
        name = getattr(target, "__name__", config["_target_"])
        wants = " or ".join(INPUT_WORDS[k] for k in accepts)
        raise IncompatibleError(
            f"net {name} reads {wants}; this data gives {INPUT_WORDS[kind]} "
            "(choose model/net=auto or a net for them)."
        )
    params = inspect.signature(target).parameters
    takes_all = any(p.kind is p.VAR_KEYWORD for p in params.values())
    given = {k: v for k, v in facts.items() if (takes_all or k in params) and k not in config}
    return hydra.utils.instantiate(config, **given)


def auto_net(
    input_kind: str,
    image: dict[str, Any] | None = None,
    table: dict[str, Any] | None = None,
    sequence: dict[str, Any] | None = None,
    **facts: Any,
) -> nn.Module:
    """The net configured for `input_kind` (cnn for images, tabular_mlp for table rows, ...)."""
    config = {"image": image, "table": table, "sequence": sequence}[input_kind]
    if not config:
        raise ConfigError(
            f"model/net=auto has no net for {INPUT_WORDS[input_kind]}; choose model/net=<name>."
        )
    return instantiate_net(config, input_kind=input_kind, **facts)
