"""litlab's SLURM launcher: Hydra's submitit launcher, with sbatch's refusals as one sentence.

Hydra imports every plugin on every run; this package imports no submitit at import time.
"""
