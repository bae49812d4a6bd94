"""Random-number states in every checkpoint, so a resumed run draws what the uninterrupted one
would have drawn: the same shuffles, dropout masks and augmentations, to the last digit on CPU."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch

from litlab.callbacks.base import LitCallback


def rng_states() -> dict[str, Any]:
    """torch (CPU and CUDA), numpy and Python states as plain values and tensors, which
    `torch.load(weights_only=True)` reads back."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    states: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": {
            "kind": kind,
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached": float(cached),
        },
        "python": random.getstate(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def set_rng_states(states: dict[str, Any]) -> None:
    torch.set_rng_state(states["torch"])
    n = states["numpy"]
    keys = n["keys"].numpy().astype(np.uint32)
    np.random.set_state((n["kind"], keys, n["pos"], n["has_gauss"], n["cached"]))
    version, internal, gauss = states["python"]
    random.setstate((version, tuple(internal), gauss))
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


class RandomState(LitCallback):
    """Saves the random states with each checkpoint and restores them as the checkpoint is
    loaded.

    Lightning loads a checkpoint's callback states before the fit loop creates its first
    training iterator (the sanity check in between runs with its random state isolated), so
    the resumed run draws its next shuffle from the state the uninterrupted run had when the
    checkpoint was written at the end of an epoch. A checkpoint written mid-epoch (on SIGTERM)
    resumes the rest of that epoch with other batches; Lightning warns about it.
    """

    def state_dict(self) -> dict[str, Any]:
        return rng_states()

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        set_rng_states(state_dict)
