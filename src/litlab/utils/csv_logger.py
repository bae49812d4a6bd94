"""Lightning's CSVLogger, except that a resumed run keeps the rows it wrote before."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from pytorch_lightning.loggers import CSVLogger


def read_rows(path: Path) -> list[dict[str, str]] | None:
    """The rows of an existing metrics.csv, without their empty cells; None when absent."""
    if not path.is_file():
        return None
    with path.open(newline="") as file:
        return [
            {k: v for k, v in row.items() if v not in ("", None)} for row in csv.DictReader(file)
        ]


class ResumableCSVLogger(CSVLogger):
    """Lightning's writer deletes an existing `metrics.csv` when it starts; this logger puts
    back the rows from before the first step the new process logs (a resume writes into the
    run's own folder), so the file tells the whole run once."""

    @property
    def experiment(self) -> Any:
        if getattr(self, "_litlab_writer", None) is not None:
            return self._litlab_writer
        earlier = read_rows(Path(self.log_dir) / "metrics.csv")
        writer = super().experiment
        if earlier is not None and hasattr(writer, "metrics"):
            log_metrics = writer.log_metrics

            def log_with_earlier_rows(metrics: dict[str, float], step: int | None = None) -> None:
                nonlocal earlier
                if earlier is not None:
                    start = step if step is not None else len(earlier)
                    writer.metrics.extend(r for r in earlier if int(r.get("step", start)) < start)
                    earlier = None
                log_metrics(metrics, step)

            writer.log_metrics = log_with_earlier_rows
        self._litlab_writer = writer
        return writer
