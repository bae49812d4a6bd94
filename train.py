"""Train a model: `python train.py model=vae data=mnist` (see conf/train.yaml)."""

from litlab.tasks.train import main

if __name__ == "__main__":
    main()
