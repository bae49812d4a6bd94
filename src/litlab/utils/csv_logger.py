"""Lightning's CSVLogger, except that a resumed run keeps the rows it wrote before."""

from __future__ import annotations

import csv

from pytorch_lightning.loggers import CSVLogger
from pytorch_lightning.loggers.csv_logs import ExperimentWriter
from pytorch_lightning.loggers.logger import rank_zero_experiment


class ContinuingWriter(ExperimentWriter):
    """Lightning deletes an existing `metrics.csv` when its writer starts; this one keeps its
    rows from before the first step the new process logs (a resume writes into the run's own
    folder), so the file tells the whole run once."""

    def _check_log_dir_exists(self) -> None:
        self.earlier: list[dict[str, str]] | None = None
        if self._fs.isfile(self.metrics_file_path):
            with self._fs.open(self.metrics_file_path, "r", newline="") as file:
                self.earlier = [
                    {k: v for k, v in row.items() if v not in ("", None)}
                    for row in csv.DictReader(file)
                ]
            self._fs.rm_file(self.metrics_file_path)

    def log_metrics(self, metrics_dict: dict[str, float], step: int | None = None) -> None:
        if self.earlier is not None:
            start = step if step is not None else len(self.earlier)
            self.metrics.extend(r for r in self.earlier if int(r.get("step", start)) < start)
            self.earlier = None
        super().log_metrics(metrics_dict, step)


class ResumableCSVLogger(CSVLogger):
    @property
    @rank_zero_experiment
    def experiment(self) -> ExperimentWriter:
        if self._experiment is None:
            self._fs.makedirs(self.root_dir, exist_ok=True)
            self._experiment = ContinuingWriter(log_dir=self.log_dir)
        return self._experiment
