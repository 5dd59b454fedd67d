"""Which unit a model replica takes next, and what becomes of a unit whose replica died.

Pure: no Ray, no files, so the policy is tested on its own.

- Units wait per model in plan order; a replica takes the next unit of its own model.
- A replica that dies mid-unit keeps what it recorded; the rest of its unit goes back to the front
  of the queue as a smaller unit, for another (or a fresh) replica.
- A replica that dies after its model loaded charges the sample it died on: once that sample has
  been run `retries` more times and killed its worker each time, it is recorded as an error with
  the reason, so one sample that kills its worker costs only itself.
- A replica that dies before its model loaded charges the model: after `retries` + 1 such deaths in
  a row (weights that kill the process as they load, a GPU that is gone) the model is given up, its
  samples not recorded errors with the reason, not an endless loop of fresh replicas.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass

from vfr_bench.data.sample import Sample
from vfr_bench.records import SampleKey
from vfr_bench.run.plan import WorkUnit


@dataclass(frozen=True)
class GiveUp:
    """Samples of `unit`'s cell that will not be run again: recorded as errors with `reason`."""

    unit: WorkUnit
    samples: tuple[Sample, ...]
    reason: str


def part(unit: WorkUnit, samples: Sequence[Sample]) -> WorkUnit:
    """The same cell with only `samples`."""
    return WorkUnit(unit.model, unit.spec, unit.task, tuple(samples))


class Schedule:
    def __init__(self, units: list[WorkUnit], retries: int):
        self.retries = retries
        self.pending: dict[str, deque[WorkUnit]] = {}
        for unit in units:
            self.pending.setdefault(unit.model, deque()).append(unit)
        self.running: Counter[str] = Counter()  # units in flight, per model
        self.failures: Counter[SampleKey] = Counter()  # deaths of a replica while it ran this sample
        self.load_deaths: Counter[str] = Counter()  # per model: replicas that died loading it, since one loaded it

    def done(self) -> bool:
        return not any(self.pending.values()) and not any(self.running.values())

    def waiting(self) -> list[str]:
        """Models with units waiting, in plan order."""
        return [model for model, units in self.pending.items() if units]

    def count(self, model: str) -> int:
        return len(self.pending.get(model, ()))

    def in_flight(self, model: str) -> int:
        return self.running[model]

    def take(self, model: str) -> WorkUnit | None:
        units = self.pending.get(model)
        if not units:
            return None
        self.running[model] += 1
        return units.popleft()

    def put_back(self, unit: WorkUnit, samples: Sequence[Sample] | None = None) -> None:
        """A unit (or its `samples` not recorded) its replica could not run for reasons of its own (its
        model failed to load there, Ray could not place it): first in line again, nothing charged."""
        self.running[unit.model] -= 1
        self._requeue(unit, unit.samples if samples is None else samples)

    def finished(self, unit: WorkUnit) -> None:
        self.running[unit.model] -= 1

    def loaded(self, model: str) -> None:
        """A replica loaded `model`: its replicas are not dying as they load."""
        self.load_deaths[model] = 0

    def lost(self, unit: WorkUnit, remaining: Sequence[Sample], reason: str, loaded: bool) -> list[GiveUp]:
        """The replica running `unit` died with `remaining` samples not recorded, after (`loaded`) or
        before its model loaded; returns the samples given up."""
        model = unit.model
        self.running[model] -= 1
        if not loaded:
            self.load_deaths[model] += 1
            if self.load_deaths[model] <= self.retries:
                self._requeue(unit, remaining)
                return []
            why = f"{reason}; model {model!r}'s Ray workers died {self.load_deaths[model]} time(s) in a row loading it"
            given_up = [GiveUp(unit, tuple(remaining), why)] if remaining else []
            return given_up + self.drop(model, why)
        if not remaining:
            return []
        suspect = remaining[0]
        key = SampleKey(model, unit.spec.label, unit.task.name, suspect.id)
        self.failures[key] += 1
        if self.failures[key] <= self.retries:
            self._requeue(unit, remaining)
            return []
        self._requeue(unit, remaining[1:])
        why = f"{reason}; its Ray worker died {self.failures[key]} times running this sample"
        return [GiveUp(unit, (suspect,), why)]

    def _requeue(self, unit: WorkUnit, samples: Sequence[Sample]) -> None:
        if samples:
            self.pending.setdefault(unit.model, deque()).appendleft(part(unit, samples))

    def drop(self, model: str, reason: str) -> list[GiveUp]:
        """Every unit of `model` still waiting, given up with `reason`."""
        units = self.pending.pop(model, deque())
        return [GiveUp(unit, unit.samples, reason) for unit in units]
