"""`make mutants`: mutmut 3 over the modules where a wrong number hides easily, one module at a
time against the fast tests that cover it ([tool.mutmut] in pyproject.toml), then the share of
mutants the tests kill, per module.

    python tests/mutation_score.py                 # every module, from a fresh mutants/
    python tests/mutation_score.py data/windows.py # only the modules named

A surviving mutant is either killed by a new test or named as equivalent in docs/mutants.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MUTMUT = [str(Path(sys.executable).with_name("mutmut"))]
VAE, GAN = "litlab.models.vae.xǁVAEǁ", "litlab.models.gan.xǁGANǁ"
# module shown -> mutmut's mutant names (fnmatch patterns) that belong to it
MODULES: dict[str, list[str]] = {
    "models/yolo_loss.py": ["litlab.models.yolo_loss.*"],
    "models/vae.py (ELBO)": [
        f"{VAE}{name}__mutmut_*" for name in ("negative_log_likelihood", "beta_now", "shared_step")
    ],
    "models/gan.py (losses)": [
        f"{GAN}{name}__mutmut_*" for name in ("discriminator_loss", "generator_loss")
    ],
    "metrics/": ["litlab.metrics.*"],
    "data/windows.py": ["litlab.data.windows.*"],
    "data/frames.py": ["litlab.data.frames.*"],
    "data/splits.py": ["litlab.data.splits.*"],
    "data/table_encoding.py": ["litlab.data.table_encoding.*"],
    "data/table_baselines.py": ["litlab.data.table_baselines.*"],
    "data/forecast_baselines.py": ["litlab.data.forecast_baselines.*"],
}
# one thread each: scikit-learn's OpenMP pools of two children on two cores only contend
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}
KILLED = {"killed", "timeout", "segfault", "caught by type check"}


def statuses() -> dict[str, str]:
    """Every mutant's name and mutmut's verdict on it."""
    out = subprocess.run(
        [*MUTMUT, "results", "--all", "true"], cwd=REPO, capture_output=True, text=True
    ).stdout
    pairs = (line.strip().rsplit(": ", 1) for line in out.splitlines() if ": " in line)
    return dict(pair for pair in pairs if len(pair) == 2)


def belongs(name: str, patterns: list[str]) -> bool:
    from fnmatch import fnmatch

    return any(fnmatch(name, pattern) for pattern in patterns)


def main(chosen: list[str]) -> int:
    modules = {k: v for k, v in MODULES.items() if not chosen or k.split(" ")[0] in chosen}
    if not modules:
        print(f"no such module; choose from: {', '.join(MODULES)}", file=sys.stderr)
        return 1
    shutil.rmtree(REPO / "mutants", ignore_errors=True)  # results of older code would linger
    for module, patterns in modules.items():
        print(f"mutmut: {module}", flush=True)
        log = REPO / "mutants" / f"run-{module.split(' ')[0].replace('/', '_')}.log"
        log.parent.mkdir(exist_ok=True)
        with log.open("w") as file:
            run = subprocess.run(
                [*MUTMUT, "run", "--max-children", "2", *patterns],
                cwd=REPO,
                env=ENV,
                stdout=file,
                stderr=subprocess.STDOUT,
            )
        if run.returncode != 0:
            print(f"mutmut failed on {module}; see {log.relative_to(REPO)}", file=sys.stderr)
            return 1
    verdicts = statuses()
    print(f"\n{'module':34} {'killed':>7} {'of':>5} {'score':>6}  survivors")
    worst = 1.0
    for module, patterns in modules.items():
        mine = {n: s for n, s in verdicts.items() if belongs(n, patterns) and s != "not checked"}
        killed = sum(s in KILLED for s in mine.values())
        score = killed / len(mine) if mine else 0.0
        worst = min(worst, score)
        alive = sorted(n.rsplit(".", 1)[-1] for n, s in mine.items() if s not in KILLED)
        shown = ", ".join(alive[:4]) + (f" (+{len(alive) - 4})" if len(alive) > 4 else "")
        print(f"{module:34} {killed:>7} {len(mine):>5} {score:>6.0%}  {shown}")
    print("\nsurvivors: `.venv/bin/mutmut show NAME` prints the change; docs/mutants.md lists the")
    print("equivalent ones (changes no test can see, because no result changes)")
    return 0 if worst >= 0.8 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
