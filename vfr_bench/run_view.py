"""One run directory as the gate, the report, the HTML page and the Python API read it: its manifest,
the latest sample records, its summary rows and (read on first use) its latest scores. Every reader
of a finished run goes through `load_run`, so a run is read one way."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from vfr_bench.records import Manifest, SampleRecord, ScoreRecord, SummaryRow
from vfr_bench.run_dir import RunDirectory
from vfr_bench.scoring.summary import current_summary

SummaryCheck = Literal["current", "as written", "none"]


@dataclass
class RunView:
    """A run directory's records, read once."""

    path: Path
    manifest: Manifest
    summary: list[SummaryRow]
    samples: list[SampleRecord]
    _scores: list[ScoreRecord] | None = field(default=None, repr=False)

    @property
    def scored(self) -> bool:
        """Whether the run has been scored (scores.jsonl exists)."""
        return RunDirectory(self.path).scores_path.is_file()

    @property
    def scores(self) -> list[ScoreRecord]:
        """The latest score of each (sample, metric); [] where the run was never scored."""
        if self._scores is None:
            self._scores = RunDirectory(self.path).scores() if self.scored else []
        return self._scores

    def models(self) -> list[str]:
        """The models with records or summary rows in this run (the judge ceiling included)."""
        return sorted({s.model for s in self.samples} | {r.model for r in self.summary})


def load_run(path: Path | str, summary: SummaryCheck = "current", manifest: Manifest | None = None) -> RunView:
    """The run at `path`. `summary`: "current" reads summary.csv and refuses it (RunDirError) where it
    no longer matches scores.jsonl; "as written" reads it unchecked (a caller that checked it already);
    "none" reads no summary (a run never scored, or a reader that needs none). `manifest`: one read
    already."""
    run = RunDirectory(path)
    rows = current_summary(run) if summary == "current" else run.summary() if summary == "as written" else []
    return RunView(run.path, manifest or run.manifest(), rows, run.samples())
