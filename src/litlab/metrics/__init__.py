"""Metrics torchmetrics does not offer offline: Fréchet distance on litlab features."""
