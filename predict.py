"""Predict on image files: `python predict.py ckpt_path=PATH inputs=DIR_OR_FILE [out=DIR]`."""

from litlab.tasks.predict import main

if __name__ == "__main__":
    main()
