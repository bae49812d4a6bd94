"""litlab's offline FID: torchmetrics' `FrechetInceptionDistance` on the features of a small
classifier trained by litlab on the same data (see `feature_classifier.py`) instead of
Inception, so nothing is downloaded. Values compare between runs that use the same feature
classifier, never with published Inception FIDs.
"""

from __future__ import annotations

from torch import Tensor, nn
from torchmetrics.image.fid import FrechetInceptionDistance


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
