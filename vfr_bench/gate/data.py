"""What the gate compares: one run's records of one model, and a verdict on one cell."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vfr_bench.records import Manifest, SampleRecord, ScoreRecord


class CannotCompare(RuntimeError):
    """The two runs cannot be compared; the message says why (exit code 2)."""


@dataclass
class RunData:
    path: Path
    manifest: Manifest
    model: str
    samples: dict[tuple[str, str, str], SampleRecord]  # (task, rate, sample id) -> ok sample record
    scores: dict[tuple[str, str, str], dict[str, ScoreRecord]]  # (task, rate, metric) -> {sample id: score}
    attempted: set[tuple[str, str, str]] = field(default_factory=set)  # every (task, rate, id) recorded
    failed_scores: dict[tuple[str, str, str], dict[str, str]] = field(default_factory=dict)  # cell -> {id: error}
    label: str = ""  # how the output names this side (vfr_bench.gate.labels); the model name until set

    @property
    def name(self) -> str:
        return self.label or self.model

    def hardware(self) -> str:
        return self.manifest.hardware_name()

    def ids(self, task: str, rate: str) -> set[str]:
        return {i for (t, r, i) in self.samples if (t, r) == (task, rate)}


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

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
