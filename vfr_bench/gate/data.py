"""What the gate compares: one run's records of one model, and a verdict on one cell."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from vfr_bench.records import Manifest, SampleRecord, ScoreRecord


class CannotCompare(RuntimeError):
    """The two runs cannot be compared; the message says why (exit code 2)."""


class Where(NamedTuple):
    """Where a gate compares samples: a task at a rate spec and batch size (1 in any run but the lab's)."""

    task: str
    rate: str
    batch: int = 1

    def describe(self) -> str:
        return f"{self.task} @ {self.rate} Hz" + ("" if self.batch == 1 else f", batch {self.batch}")


@dataclass
class RunData:
    path: Path
    manifest: Manifest
    model: str
    samples: dict[tuple[Where, str], SampleRecord]  # (where, sample id) -> ok sample record
    scores: dict[tuple[Where, str], dict[str, ScoreRecord]]  # (where, metric) -> {sample id: score}
    attempted: set[tuple[Where, str]] = field(default_factory=set)  # every (where, sample id) recorded
    failed_scores: dict[tuple[Where, str], dict[str, str]] = field(default_factory=dict)  # cell -> {id: error}
    label: str = ""  # how the output names this side (vfr_bench.gate.labels); the model name until set

    @property
    def name(self) -> str:
        return self.label or self.model

    def hardware(self) -> str:
        return self.manifest.hardware_name()

    def ids(self, where: Where) -> set[str]:
        return {i for (w, i) in self.samples if w == where}

    def places(self) -> set[Where]:
        return {w for (w, _) in self.samples}


@dataclass
class Verdict:
    kind: str  # quality | rate | latency | coverage
    task: str
    rate: str
    metric: str
    baseline: float | None
    candidate: float | None
    delta: float | None  # candidate - baseline (ratio for latency)
    ci_low: float | None
    ci_high: float | None
    n: int
    allowed: str
    verdict: str  # pass | fail | report-only
    reason: str
    batch_size: int = 1  # requests timed together (latency-lab runs sweep it)

    @property
    def where(self) -> Where:
        return Where(self.task, self.rate, self.batch_size)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
