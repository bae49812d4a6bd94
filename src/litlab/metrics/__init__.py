"""Metrics beyond what torchmetrics offers as is: Fréchet distance on litlab features offline,
and mean average precision synced over uneven shares of the test set."""
