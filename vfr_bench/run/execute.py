"""The local executor: runs work units on adapters in this process, one sample at a time.

For each model it loads the weights once (only if some unit can run), warms each cell up with
unrecorded requests, times every request with the device synchronised before both clock reads
(vfr_bench/run/model_units.py, shared with the Ray executor), and appends each sample's record
the moment it is done. A rate the model cannot run, or a task it cannot answer, is recorded as
`skipped` with the reason; a failure of one sample is that sample's `error`, and the rest go on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from vfr_bench.data.sample import Sample
from vfr_bench.progress import SILENT, Progress
from vfr_bench.protocol import Adapter
from vfr_bench.records import Fingerprint
from vfr_bench.run.model_units import ModelUnits, Produced
from vfr_bench.run.plan import WorkUnit
from vfr_bench.run_dir import RunDirectory

OnLoaded = Callable[[str, dict[str, Any]], None]


def write_produced(run: RunDirectory, produced: Produced) -> None:
    """The one writer of a run's samples: the audio file first, then the record that names it
    (appended, flushed and fsynced)."""
    if produced.audio is not None:
        path = run.path / produced.audio.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(produced.audio.flac)
    run.append_sample(produced.record)


class LocalExecutor:
    def __init__(
        self,
        run: RunDirectory,
        warmup: int = 1,
        progress: Progress = SILENT,
        on_loaded: OnLoaded = lambda name, info: None,
        fingerprint: Callable[[WorkUnit, Sample], Fingerprint] | None = None,
    ):
        self.run = run
        self.warmup = warmup
        self.progress = progress
        self.on_loaded = on_loaded  # checks the loaded model against a resume and records it in the manifest
        self.fingerprint = fingerprint  # what made each record (run.fingerprint)
        self.shard = f"{run.shard[0]}/{run.shard[1]}"

    def execute(self, units: list[WorkUnit], adapters: dict[str, Adapter]) -> Counter[str]:
        """Run every unit; returns how many samples ended ok, error and skipped."""
        counts: Counter[str] = Counter()
        for name, adapter in adapters.items():
            mine = [u for u in units if u.model == name]
            if not mine:
                continue
            model = ModelUnits(adapter, self.shard, self.warmup, self.on_loaded)
            try:
                for unit in mine:
                    counts += self._run_unit(model, unit)
            finally:
                model.close()
        return counts

    def _run_unit(self, model: ModelUnits, unit: WorkUnit) -> Counter[str]:
        counts: Counter[str] = Counter()
        self.progress.start(unit, unit.label, len(unit.samples))
        fingerprints = [self.fingerprint(unit, s) if self.fingerprint else None for s in unit.samples]
        for produced in model.produce(unit, fingerprints):
            write_produced(self.run, produced)
            counts[produced.record.status] += 1
            self.progress.advance(unit, produced.record.status)
        self.progress.finish(unit, counts)
        return counts
