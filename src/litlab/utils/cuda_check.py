"""How torch asks whether CUDA is there, on a machine that has no CUDA device.

Lightning sets `PYTORCH_NVML_BASED_CUDA_CHECK=1` when imported, so that asking never
initialises CUDA (a process that has done so cannot fork children that use the GPU). With it,
every `torch.cuda.is_available()` loads the NVML library; where there is none, it tries, fails
and asks the CUDA runtime anyway. Adam, AdamW and their kin ask on every `step()` (torch's
graph-capture check), which makes that failed load part of every step, a sizeable share of
a small net's step on a CPU. With no device, there is no GPU for a fork to lose.
"""

from __future__ import annotations

import logging
import os

import torch

log = logging.getLogger(__name__)

NVML_CHECK = "PYTORCH_NVML_BASED_CUDA_CHECK"


def plain_check_without_devices() -> bool:
    """Drop the NVML-based check when this machine has no CUDA device; True when dropped.
    With a device, the check stays as Lightning set it (and torch caches the count once
    CUDA starts)."""
    if os.environ.get(NVML_CHECK) != "1" or torch.cuda.device_count() > 0:
        return False
    del os.environ[NVML_CHECK]
    log.debug("No CUDA device: %s unset, so optimizer steps skip the NVML load.", NVML_CHECK)
    return True
