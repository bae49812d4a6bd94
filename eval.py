"""Test a checkpoint: `python eval.py ckpt_path=outputs/.../checkpoints/last.ckpt`."""

from litlab.commands import evaluate

if __name__ == "__main__":
    evaluate()
