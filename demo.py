"""Serve a local web page for a checkpoint: `python demo.py ckpt_path=PATH [port=7860]`."""

from litlab.commands import demo

if __name__ == "__main__":
    demo()
