"""One module per command, each read top to bottom: `main` checks the command line before
torch loads, then Hydra composes the config and runs the task (`python -m litlab <command>`
lists them)."""
