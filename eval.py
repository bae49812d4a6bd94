"""Test a checkpoint: `python eval.py ckpt_path=outputs/.../checkpoints/last.ckpt`."""

from litlab.tasks.evaluate import main

if __name__ == "__main__":
    main()
