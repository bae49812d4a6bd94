"""Serve a local web page for a checkpoint: `python demo.py ckpt_path=PATH [port=7860]`."""

from litlab.tasks.demo import main

if __name__ == "__main__":
    main()
