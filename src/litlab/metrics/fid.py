"""litlab's offline FID: torchmetrics' `FrechetInceptionDistance` on the features of a small
classifier trained by litlab on the same data (see `litlab.models.feature_classifier`) instead of
Inception, so nothing is downloaded. Values compare between runs that use the same feature
classifier, never with published Inception FIDs.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torchmetrics.image.fid import FrechetInceptionDistance

from litlab.errors import NonFiniteLossError

SUMS = ("sum", "cov_sum")  # FrechetInceptionDistance's running feature statistics


class FrozenFeatures(nn.Module):
    """Calls a feature net that lives outside the module tree.

    torchmetrics registers its `feature` module as a submodule of the metric, which would put
    the feature net into the model's state_dict and checkpoints. This wrapper holds no
    parameters or buffers (the net is a plain attribute; its owner moves it between devices),
    and returns float32 features so the FID is computed and reported in full precision under
    mixed-precision autocast. `num_features` spares torchmetrics a trial call.
    """

    def __init__(self, net: nn.Module, num_features: int) -> None:
        super().__init__()
        object.__setattr__(self, "net", net)  # not a submodule: never saved, never trained
        self.num_features = num_features

    def forward(self, images: Tensor) -> Tensor:
        return self.net(images).flatten(1).float()


def offline_fid(net: nn.Module, num_features: int, keep_real: bool) -> FrechetInceptionDistance:
    """FID on the features `net` gives for model-ready (normalised float) images, which it is
    fed unchanged (torchmetrics converts inputs only for its own Inception). `keep_real`: the
    real-image statistics survive `reset()`, so fixed real images are fed once, not per epoch.
    """
    return FrechetInceptionDistance(
        feature=FrozenFeatures(net, num_features), reset_real_features=not keep_real
    )


def compute_fid(metric: FrechetInceptionDistance, where: str) -> Tensor:
    """`metric.compute()`, once its feature statistics are known to be finite numbers: on a
    NaN matrix, torch's eigenvalue routine (oneMKL on the CPU) crashes the whole process
    instead of raising, which would leave no summary behind."""
    with metric.sync_context():  # every process reads the same sums, so all stop together
        finite = {
            side: all(torch.isfinite(getattr(metric, f"{prefix}_{kind}")).all() for kind in SUMS)
            for side, prefix in (("generated", "fake_features"), ("real", "real_features"))
        }
    why = {
        "generated": "training diverged: lower the learning rate or enable gradient clipping "
        "(callbacks.finite_loss stops such a run earlier)",
        "real": "the images hold NaN or inf values, or the FID's feature classifier does "
        "(model.fid.classifier_ckpt)",
    }
    for side, ok in finite.items():
        if not ok:
            raise NonFiniteLossError(
                f"the {side} images' features are not finite numbers (NaN or inf) at {where}, "
                f"so no FID can be computed; {why[side]}."
            )
    return metric.compute()
