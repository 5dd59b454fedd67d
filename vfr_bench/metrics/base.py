"""Metric metadata and the per-sample score record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal

Aggregation = Literal["mean", "corpus", "p50", "p90", "p95"]


@dataclass(frozen=True)
class SampleScore:
    """One metric's value on one sample. Corpus-level metrics also carry numerator and denominator
    (WER: edits and reference words), so that aggregation is total / total, not a mean of ratios."""

    value: float
    numerator: float | None = None
    denominator: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Metric:
    name: str
    version: str
    description: str
    higher_is_better: bool | None       # None: neither (a rate is judged against its request)
    aggregation: Aggregation
    compute: Callable[[dict], SampleScore | None]  # sample record -> score, None when not applicable
    needs_reference_text: bool = False
    needs_reference_audio: bool = False
    needs_judge: bool = False
    device: str = "cpu"
    unit: str = ""
    provenance: Callable[[], dict[str, Any]] | None = None  # normaliser/judge names and versions

    def describe(self) -> dict[str, Any]:
        out = {"name": self.name, "version": self.version, "aggregation": self.aggregation,
               "higher_is_better": self.higher_is_better, "unit": self.unit}
        if self.provenance:
            out.update(self.provenance())
        return out
