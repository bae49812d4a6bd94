"""`ckpt_path=<run>/checkpoints/last.ckpt`: the command line that continues that run.

A run is one story (DESIGN.md): resuming composes the run's own config again (the overrides it
was started with, from `<run>/.hydra/overrides.yaml` or, for a checkpoint moved out of its run
folder, from the checkpoint itself) and writes into the run's own folder, where Lightning finds
the best-checkpoint tracking it left. Options that only say how to run (`trainer.*`,
`callbacks.*`, `logger`, `paths.*`, ...) may change; an override that would make it a
different experiment (`data`, `model`, `experiment`, `seed` and their keys) is refused in one
sentence. With `train=false` the checkpoint is tested with its run's config, in a new folder.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from litlab.errors import ConfigError

# the options that make a run the experiment it is; a resume may not change them
IDENTITY = ("data", "model", "experiment", "seed")
CHECKPOINT_KEYS = ("ckpt_path", "train")


def key_of(override: str) -> str:
    """`model.optimizer.lr` for `+model.optimizer.lr=1`, `model/net` for `model/net=cnn`."""
    return override.split("=", 1)[0].lstrip("+~")


def is_identity(key: str) -> bool:
    return key.replace("/", ".").split(".")[0] in IDENTITY


def value_of(overrides: list[str], key: str) -> str | None:
    values = [o.split("=", 1)[1] for o in overrides if "=" in o and key_of(o) == key]
    return values[-1] if values else None


def run_folder_of(checkpoint: Path) -> Path | None:
    """The run folder a checkpoint was written in (`<run>/checkpoints/x.ckpt`, or
    `<run>/hpc_ckpt_<n>.ckpt` as Lightning saves on SLURM), if it has one."""
    for run in (checkpoint.resolve().parent.parent, checkpoint.resolve().parent):
        if (run / ".hydra" / "overrides.yaml").is_file():
            return run
    return None


def original_overrides(checkpoint: Path) -> list[str] | None:
    """The overrides the checkpoint's run started with: from its run folder, else from the
    checkpoint (litlab records them there); None for a checkpoint litlab did not write."""
    run = run_folder_of(checkpoint)
    if run is not None:
        recorded = yaml.safe_load((run / ".hydra" / "overrides.yaml").read_text()) or []
    else:
        from litlab.utils.checkpoints import read_checkpoint

        recorded = read_checkpoint(checkpoint).get("litlab_overrides")
        if recorded is None:
            return None
    return [str(o) for o in recorded if key_of(str(o)) not in CHECKPOINT_KEYS]


def resume_overrides(args: list[str]) -> list[str]:
    """`args` with the checkpoint's run config in front (and its run folder, when training).

    Unchanged when there is no `ckpt_path`, when it is not a file (the run stops later with
    its one sentence), or when the checkpoint does not record a litlab run.
    """
    given = value_of(args, "ckpt_path")
    if given in (None, "", "null", "last", "best") or not Path(given).is_file():
        return args
    original = original_overrides(Path(given))
    if original is None:
        return args
    for override in args:
        key = key_of(override)
        if is_identity(key) and value_of(original, key) != value_of(args, key):
            was = value_of(original, key)
            started = f"{key}={was}" if was is not None else f"no {key} override"
            raise ConfigError(
                f"ckpt_path={given} continues a run started with {started}; {override} would "
                "make it another experiment: drop it, or start a new run without ckpt_path."
            )
    training = value_of(args, "train") not in ("false", "False")
    folder = []
    run = run_folder_of(Path(given))
    if training and run is not None and not any(a.startswith("hydra.run.dir=") for a in args):
        folder = [f"hydra.run.dir={run}"]
    kept = [o for o in original if key_of(o) not in {key_of(a) for a in args}]
    return [*kept, *args, *folder]
