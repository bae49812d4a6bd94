"""`python demo.py ckpt_path=...` / `litlab-demo`: a local web page (gradio) for a checkpoint.

One page per kind of model: image classifiers (`classifier`), VAEs and GANs (`generator`),
CSV-table models (`table`); `app` picks one and serves it. Gradio reads this variable when it
is imported, so setting it here keeps usage reports off for every page.
"""

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
