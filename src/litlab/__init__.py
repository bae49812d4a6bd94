"""litlab: one command per experiment, Lightning + Hydra."""

__version__ = "0.1.0"
