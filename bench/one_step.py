"""The memory reference of a `fast_dev_run` MNIST process: what the same work costs without
litlab or a Trainer.

It imports what the floor imports (`pytorch_lightning, torch`), reads the MNIST files into uint8
tensors, and runs one training batch and one validation batch of the default CNN (conf/model/net/
cnn.yaml, batch 128, Adam), in plain PyTorch. Its peak memory is the floor, plus the data, plus
what one step of that net needs (activations, gradients, Adam's state, oneDNN's workspace).

    python bench/one_step.py [DATA_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytorch_lightning  # noqa: F401  (the floor's import)
import torch
import torch.nn.functional as F
import yaml  # already imported by Lightning

from litlab.data.mnist import FILES, read_idx
from litlab.nets.cnn import CNN

BATCH = 128
NET_CONFIG = Path(__file__).resolve().parents[1] / "conf" / "model" / "net" / "cnn.yaml"


def main() -> None:
    raw = Path(sys.argv[1] if len(sys.argv) > 1 else "data") / "MNIST" / "raw"
    image_file, label_file = (raw / name for name in FILES[True])
    images = torch.from_numpy(read_idx(image_file, 3).copy()).unsqueeze(1)
    labels = torch.from_numpy(read_idx(label_file, 1).copy()).long()
    config = yaml.safe_load(NET_CONFIG.read_text())
    config.pop("_target_")
    net = CNN((1, 28, 28), 10, **config)  # the net the run builds, from the same config
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss = F.cross_entropy(net(images[:BATCH].float() / 255), labels[:BATCH])
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    net.eval()
    with torch.no_grad():
        net(images[BATCH : 2 * BATCH].float() / 255)


if __name__ == "__main__":
    main()
