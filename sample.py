"""Draw images from a generative model: `python sample.py ckpt_path=PATH n=64 [out=grid.png]`."""

from litlab.tasks.sample import main

if __name__ == "__main__":
    main()
