"""What `predict.py` reads and writes for each task: one file per kind of input or output.

`images` (image files -> model input, with the size and channel checks), `tables` (CSV rows ->
class probabilities or values), `series` (a series CSV -> a forecast), `classes`, `detections`
and `reconstructions` (what image models write), `output` (where and how results are saved).
"""
