"""Metric metadata and the per-sample score record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from vfr_bench.metrics.context import ScoringContext

Aggregation = Literal["mean", "corpus", "p50", "p90", "p95"]


class MetricUnavailable(RuntimeError):
    """A metric that cannot run here (missing package or weights); the message says what to do."""


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
    """A metric and what it needs. `compute(record, ctx)` returns None where the metric does not apply
    to a sample (no audio, no reference); it raises where it applies but fails (recorded as an error)."""

    name: str
    version: str
    description: str
    higher_is_better: bool | None  # None: neither (a rate is judged against its request)
    aggregation: Aggregation
    compute: Callable[[dict, ScoringContext], SampleScore | None]
    needs_reference_text: bool = False
    needs_reference_audio: bool = False
    needs_judge: bool = False
    device: str = "cpu"
    unit: str = ""
    parallel: bool = False  # CPU-bound and stateless: spread over processes
    check: Callable[[ScoringContext], None] | None = None  # raises MetricUnavailable before any sample
    provenance: Callable[..., dict[str, Any]] | None = None  # normaliser/judge names and versions

    def describe(self, ctx: ScoringContext | None = None) -> dict[str, Any]:
        out = {
            "name": self.name,
            "version": self.version,
            "aggregation": self.aggregation,
            "higher_is_better": self.higher_is_better,
            "unit": self.unit,
        }
        if self.provenance:
            out.update(self.provenance(ctx) if _takes_ctx(self.provenance) else self.provenance())
        return out

    @property
    def level(self) -> str:
        return "corpus" if self.aggregation == "corpus" else ("mean" if self.aggregation == "mean" else "percentile")


def _takes_ctx(fn: Callable) -> bool:
    import inspect

    return len(inspect.signature(fn).parameters) > 0
