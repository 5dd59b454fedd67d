"""The planner: a run's grid as ordered work units, sharded and filtered by what is recorded.

Pure: it reads the configuration, each task's samples and the keys already recorded, and touches
no model and no file, so executors (the local loop, Ray) share it and tests run it alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from vfr_bench.data.sample import Dataset, Sample
from vfr_bench.rates import RateSpec
from vfr_bench.records import SampleKey
from vfr_bench.run.prepare import subset
from vfr_bench.task import Task


@dataclass(frozen=True, eq=False)  # identity: progress reports key on the unit itself
class WorkUnit:
    """A block of one (model, rate spec, task) cell's samples, run with one warm-up."""

    model: str
    spec: RateSpec
    task: Task
    samples: tuple[Sample, ...]

    @property
    def label(self) -> str:
        return f"{self.model} @ {self.spec.label} Hz, {self.task.name}"


@dataclass
class Plan:
    units: list[WorkUnit]
    already_recorded: int  # samples of this shard's grid that are recorded already (resume)
    in_grid: int  # samples of this shard's grid in all

    @property
    def pending(self) -> int:
        return sum(len(u.samples) for u in self.units)


def in_shard(key: tuple[str | int, ...], shard: tuple[int, int]) -> bool:
    """Deterministic split of the grid by the sample key's hash, independent of grid order."""
    index, count = shard
    if count == 1:
        return True
    digest = hashlib.sha1("\x1f".join(map(str, key)).encode()).digest()
    return int.from_bytes(digest[:8], "big") % count == index


def plan_units(
    models: list[str],
    specs: list[RateSpec],
    tasks: list[Task],
    datasets: dict[str, Dataset],
    limit: int | None = None,
    shard: tuple[int, int] = (0, 1),
    recorded: set[SampleKey] | frozenset[SampleKey] = frozenset(),
    block_size: int | None = None,
) -> Plan:
    """Units in grid order (model, rate spec, task), each at most `block_size` samples; samples outside
    the shard or already recorded are left out."""
    for what, names in (("model", models), ("rate spec", [s.label for s in specs]), ("task", [t.name for t in tasks])):
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:  # a repeated cell would record every sample of it twice
            raise ValueError(f"{what} {', '.join(map(repr, repeated))} is named more than once; name each once")
    units: list[WorkUnit] = []
    already = in_grid = 0
    chosen = {task.name: subset(datasets[task.name], limit) for task in tasks}
    for model in models:
        for spec in specs:
            for task in tasks:
                pending = []
                for sample in chosen[task.name]:
                    key = SampleKey(model, spec.label, task.name, sample.id)
                    if not in_shard(key, shard):
                        continue
                    in_grid += 1
                    if key in recorded:
                        already += 1
                    else:
                        pending.append(sample)
                size = block_size or max(1, len(pending))
                units += [
                    WorkUnit(model, spec, task, tuple(pending[i : i + size])) for i in range(0, len(pending), size)
                ]
    return Plan(units, already, in_grid)
