"""What a metric is: its metadata, which the scorer, the gate and the report act on, and its score.

A metric declares
- its `kind` (quality, rate, latency or allocation): tasks name their quality metrics, the other
  kinds apply to every task; the gate tests quality for significance, rate against a tolerance
  and latency as a ratio, and reports allocation (where the units go) without gating it;
- its direction, aggregation (corpus, mean or a percentile), display name, unit and `scale`
  (a `fraction` is a share in [0, 1] that papers print as a percentage);
- the record fields it `requires` ("reference.text", "audio", ...): the scorer runs it only on
  samples that have them all, so `compute` never meets a sample it does not apply to;
- the judges it calls (`asr`, `llm`), whose identity the scorer records with its scores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np

if TYPE_CHECKING:
    from vfr_bench.metrics.judge_settings import JudgeSettings
    from vfr_bench.records import SampleRecord

Aggregation = Literal["mean", "corpus", "p50", "p90", "p95", "spearman"]
# allocation: where a model spends its units (speech or silence, bits, speaking rate); reported, never gated
MetricKind = Literal["quality", "rate", "latency", "allocation"]
KINDS: tuple[str, ...] = ("quality", "rate", "latency", "allocation")


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


class MetricContext(Protocol):
    """What a metric may use while scoring (implemented by vfr_bench.metrics.context.ScoringContext)."""

    run_dir: Path
    judges: JudgeSettings

    def resource(self, key: str, factory: Callable[[], Any]) -> Any: ...
    def output_audio(self, record: SampleRecord) -> tuple[np.ndarray, int] | None: ...
    def input_audio(self, record: SampleRecord) -> tuple[np.ndarray, int] | None: ...
    def transcript(self, record: SampleRecord) -> str | None: ...

    @property
    def cache_dir(self) -> Path: ...


Compute = Callable[["SampleRecord", MetricContext], "SampleScore | None"]


@dataclass(frozen=True)
class Metric:
    """A metric and what it needs. `compute(record, ctx)` may return None where the metric does not
    apply after all; it raises where it applies but fails (the scorer records that as an error)."""

    name: str
    version: str
    description: str
    kind: MetricKind
    higher_is_better: bool | None  # None: neither (a rate is judged against its request)
    aggregation: Aggregation
    compute: Compute
    display: str = ""
    unit: str = ""
    scale: Literal["fraction", "absolute"] = "absolute"
    requires: tuple[str, ...] = ()
    judges: tuple[Literal["asr", "llm"], ...] = ()
    gate_default: str = "5%"  # the regression a gate allows when no rule names the metric: "0.01" or "5%"
    device: str = "cpu"
    parallel: bool = False  # CPU-bound and stateless: spread over processes
    check: Callable[[MetricContext], None] | None = None  # raises MetricUnavailable before any sample
    provenance: Callable[[MetricContext | None], dict[str, Any]] | None = None  # normaliser/judge versions

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"metric {self.name!r}: kind {self.kind!r} is not one of {KINDS}")

    @property
    def label(self) -> str:
        """How figures and tables name it."""
        return self.display or self.name

    def describe(self, ctx: MetricContext | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name, "version": self.version, "kind": self.kind, "aggregation": self.aggregation,
            "higher_is_better": self.higher_is_better, "unit": self.unit,
        }  # fmt: skip
        if self.provenance:
            out.update(self.provenance(ctx))
        return out

    @property
    def level(self) -> str:
        if self.aggregation in ("corpus", "mean"):
            return self.aggregation
        return "correlation" if self.aggregation == "spearman" else "percentile"

    def applies_to(self, record: SampleRecord) -> bool:
        """Whether the sample has every field the metric requires. An empty list is absent; an empty
        string is not (a model that answered "" gets all its reference words counted as deleted)."""
        return all(_present(record, path) for path in self.requires)


def _present(record: Any, path: str) -> bool:
    value = record
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return False
    return value not in ([], {})
