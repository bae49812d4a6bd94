"""litlab's Optuna sweeper: Bayesian search behind Hydra's `-m`, on Optuna's ask-and-tell.

Hydra finds plugins under the `hydra_plugins` namespace package; this module and the sweeper's
module import no Optuna at import time, since Hydra imports every plugin on every run.
"""
