"""Export a checkpoint: `python export.py ckpt_path=PATH format=onnx|torchscript|exported_program`
(litlab-export)."""

from litlab.commands import export

if __name__ == "__main__":
    export()
