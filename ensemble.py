"""Average checkpoints' test predictions: `python ensemble.py ckpts=[a.ckpt,b.ckpt]`."""

from litlab.tasks.ensemble import main

if __name__ == "__main__":
    main()
