"""Export a checkpoint: `python export.py ckpt_path=PATH format=onnx|torchscript`."""

from litlab.tasks.export import main

if __name__ == "__main__":
    main()
