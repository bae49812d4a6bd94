"""Train a model: `python train.py model=vae data=mnist` (see conf/train.yaml)."""

from litlab.commands import train

if __name__ == "__main__":
    train()
