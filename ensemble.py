"""Average checkpoints' test predictions: `python ensemble.py ckpts=[a.ckpt,b.ckpt]`
(litlab-ensemble)."""

from litlab.commands import ensemble

if __name__ == "__main__":
    ensemble()
