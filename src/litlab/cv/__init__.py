"""Cross-validation, bootstrap resplits, and ensembles of the models they train."""
