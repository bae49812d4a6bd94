"""litlab: one command per experiment, Lightning + Hydra."""

import warnings

from litlab.resolvers import register_resolvers

__version__ = "0.1.0"

# Lightning 2.6 still builds torch's deprecated LeafSpec on every fit and test; the warning is
# for Lightning's maintainers, and users can do nothing about it.
warnings.filterwarnings(
    "ignore", message=r"`isinstance\(treespec, LeafSpec\)` is deprecated", category=FutureWarning
)

register_resolvers()
