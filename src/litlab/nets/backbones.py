"""torchvision classification models as litlab nets, for transfer learning.

The torchvision model is built for the data: its classifier head replaced for `out_features`
classes, its first conv made to read the data's channels. `pretrained` weights come from
torchvision's download (`imagenet`) or from a local file: a state_dict saved with `torch.save`
(torchvision's own .pth files are exactly that) or a litlab checkpoint of the same net. Weights
whose shape the data changed (the head, a first conv for grey images: its RGB filters are
summed) are adapted or left as initialised.

`freeze_until` names the first module that trains from the start; the modules before it are
the `backbone`, frozen here and unfrozen by `litlab.callbacks.BackboneFinetuning`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from litlab.errors import ConfigError, DataError

log = logging.getLogger(__name__)

# where each family keeps its classifier head (the last Linear in it is replaced)
HEADS = ("fc", "classifier", "heads", "head")
CHECKPOINT_PREFIX = "net.model."  # a litlab classifier's keys for this net's torchvision model


def head_name(model: nn.Module) -> str:
    return next(n for n in HEADS if isinstance(getattr(model, n, None), nn.Module))


def replace_head(model: nn.Module, out_features: int) -> None:
    """The last Linear of the model's head, replaced by a fresh one with `out_features`."""
    head = getattr(model, head_name(model))
    if isinstance(head, nn.Linear):
        setattr(model, head_name(model), nn.Linear(head.in_features, out_features))
        return
    name, last = [(n, m) for n, m in head.named_modules() if isinstance(m, nn.Linear)][-1]
    parent = head.get_submodule(name.rpartition(".")[0])
    setattr(parent, name.rpartition(".")[2], nn.Linear(last.in_features, out_features))


def first_conv(model: nn.Module) -> tuple[str, nn.Conv2d]:
    return next((n, m) for n, m in model.named_modules() if isinstance(m, nn.Conv2d))


def adapt_first_conv(model: nn.Module, channels: int) -> None:
    """The first conv re-made to read `channels` input channels (same everything else)."""
    name, conv = first_conv(model)
    if conv.in_channels == channels:
        return
    new = nn.Conv2d(
        channels,
        conv.out_channels,
        conv.kernel_size,
        conv.stride,
        conv.padding,
        conv.dilation,
        conv.groups,
        conv.bias is not None,
    )
    parent = model.get_submodule(name.rpartition(".")[0])
    setattr(parent, name.rpartition(".")[2], new)


def read_weights(arch: str, pretrained: str) -> dict[str, Tensor]:
    """The state_dict that `pretrained` names: `imagenet` (torchvision's default weights,
    downloaded once) or a local file."""
    if pretrained == "imagenet":
        from torchvision.models import get_model_weights

        weights = get_model_weights(arch).DEFAULT
        try:
            return weights.get_state_dict(progress=False)
        except OSError as exc:  # URLError and socket errors are OSErrors
            raise DataError(
                f"the ImageNet weights of {arch} cannot be downloaded ({type(exc).__name__}); "
                f"offline, save them once from a machine that is online and give the file: "
                f"model.net.pretrained=/path/to/{Path(weights.url).name}."
            ) from None
    path = Path(pretrained)
    if not path.is_file():
        raise ConfigError(
            f"model.net.pretrained={pretrained}: no such file; give null, imagenet or the path "
            "of a state_dict saved with torch.save."
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise DataError(
            f"{path} cannot be read as weights by torch.load(weights_only=True) "
            f"({type(exc).__name__})."
        ) from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):  # a litlab ckpt
        state = {
            k.removeprefix(CHECKPOINT_PREFIX): v
            for k, v in state["state_dict"].items()
            if k.startswith(CHECKPOINT_PREFIX)
        }
    if not isinstance(state, dict) or not all(isinstance(v, Tensor) for v in state.values()):
        raise DataError(f"{path} does not hold a state_dict (a dict of names to tensors).")
    return state


def load_weights(model: nn.Module, state: dict[str, Tensor], source: str) -> None:
    """`state` into `model`: the first conv's RGB filters summed for grey input, weights whose
    shape the data changed (the head) skipped; anything else missing or odd is an error."""
    own = model.state_dict()
    conv_weight = f"{first_conv(model)[0]}.weight"
    fitted, skipped = {}, []
    for key, value in state.items():
        if key not in own:
            continue
        if key == conv_weight and value.shape[1] != own[key].shape[1] and own[key].shape[1] == 1:
            value = value.sum(dim=1, keepdim=True)
        if value.shape == own[key].shape:
            fitted[key] = value
        else:
            skipped.append(key)
    head = head_name(model)
    missing = [k for k in own if k not in fitted and not k.startswith(f"{head}.")]
    if missing or not fitted:
        raise DataError(
            f"model.net.pretrained={source} does not fit this net: {len(missing)} of its "
            f"weights are missing or of another shape (first: {(missing or list(own))[0]})."
        )
    model.load_state_dict(fitted, strict=False)
    if skipped:
        log.info("Pretrained %s: %s left as initialised (shape differs).", source, skipped)


class TorchvisionNet(nn.Module):
    """A torchvision classification model (`arch`, e.g. mobilenet_v3_small, resnet18) for the
    data's input and classes; `options` go to torchvision's builder (e.g. width_mult).
    `bn_momentum` replaces the batch-norm layers' (MobileNetV3's 0.01 lets running statistics
    lag far behind the weights in a short run; null keeps torchvision's)."""

    inputs = ("image",)

    def __init__(
        self,
        in_shape: Sequence[int],
        out_features: int,
        arch: str = "mobilenet_v3_small",
        pretrained: str | None = None,
        freeze_until: str | None = None,
        bn_momentum: float | None = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        from torchvision.models import get_model, list_models

        if arch not in list_models():
            raise ConfigError(f"model.net.arch={arch} is not a torchvision model.")
        self.model = get_model(arch, weights=None, **(options or {}))
        replace_head(self.model, out_features)
        adapt_first_conv(self.model, in_shape[0])
        if bn_momentum is not None:
            for module in self.model.modules():
                if isinstance(module, nn.modules.batchnorm._BatchNorm):
                    module.momentum = bn_momentum
        if pretrained:
            load_weights(self.model, read_weights(arch, pretrained), pretrained)
        self.backbone_names = self.modules_before(freeze_until)
        for module in self.backbone:
            module.requires_grad_(False)

    def modules_before(self, name: str | None) -> list[str]:
        """The names of the model's parameterised modules, in order, before `name`."""
        if name is None:
            return []
        names = [
            n
            for n, m in self.model.named_modules()
            if n and next(m.parameters(recurse=False), None) is not None
        ]
        if not any(n == name or n.startswith(f"{name}.") for n in names):
            top = ", ".join(n for n, _ in self.model.named_children())
            raise ConfigError(
                f"model.net.freeze_until={name} is not a module of {type(self.model).__name__} "
                f"(its top-level modules: {top}; nested ones as e.g. features.4)."
            )
        before = []
        for n in names:
            if n == name or n.startswith(f"{name}."):
                break
            before.append(n)
        return before

    @property
    def backbone(self) -> nn.ModuleList:
        """The frozen-at-start modules (empty when `freeze_until` is null)."""
        return nn.ModuleList(self.model.get_submodule(n) for n in self.backbone_names)

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x)
