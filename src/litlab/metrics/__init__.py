"""Metrics beyond what torchmetrics offers as is: Fréchet distance on litlab features offline,
mean average precision synced over uneven shares of the test set, and the lean per-step
training accumulators (`running`)."""
