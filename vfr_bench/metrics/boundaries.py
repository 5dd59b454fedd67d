"""Boundaries: do a model's unit boundaries fall where words begin and end? (docs/analyses.md)

Word times come from the ASR judge's word timestamps on the sample's input audio (Whisper's
cross-attention alignment), cached per judge and sample. A unit boundary is the start of every unit
but the first; it is a hit when a word's start or end lies within `TOLERANCE_S` of it.
Boundaries and word times are compared in the word times' 20 ms steps (see `WORD_TIME_STEP_S`).
`boundary_precision` is the share of hits; `boundary_precision_chance` is the same share for a
uniform patcher with as many units over the same audio, boundaries every seconds/units: the level a
model reaches without looking at the content. Both aggregate over a cell as hits / boundaries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from vfr_bench.metrics.base import Metric, MetricContext, MetricUnavailable, SampleScore
from vfr_bench.metrics.cache import JsonCache
from vfr_bench.metrics.registry import register_metric

if TYPE_CHECKING:
    from vfr_bench.records import SampleRecord

TOLERANCE_S = 0.040
# Whisper's word times come in steps of 20 ms. Boundaries are rounded to the same steps before they
# are compared: unrounded, a model whose boundaries sit on a 40 ms frame grid would find five word-time
# steps within 40 ms where a boundary between steps finds four, and beat the chance level by 25% for
# its grid alone (measured on the default run before this rounding: 0.33 against 0.25 at 12.5 Hz).
WORD_TIME_STEP_S = 0.020
NEEDS = ("input_unit_spans", "input_seconds", "source_audio")


def word_edges(record: SampleRecord, ctx: MetricContext) -> np.ndarray:
    """Starts and ends of the words the judge hears in the sample's input, sorted, in seconds."""
    from vfr_bench.metrics.context import ScoringContext

    if not isinstance(ctx, ScoringContext):
        raise MetricUnavailable("word times need the run's ASR judge (a ScoringContext)")
    cache = ctx.resource("word-times", lambda: JsonCache(ctx.cache_dir / "word_times.jsonl"))
    identity = record.fingerprint.data if record.fingerprint else record.source_audio
    key = f"{ctx.judges.asr_judge_id}|{identity}"
    times = cache.get(key)
    if times is None:
        judge = ctx.asr_judge()
        if not hasattr(judge, "word_times"):
            raise MetricUnavailable(f"the ASR judge {ctx.judges.asr_judge_id} gives no word times")
        loaded = ctx.input_audio(record)
        if loaded is None:
            raise ValueError("the sample's input audio is not on disk; its words cannot be timed")
        times = [list(w) for w in judge.word_times(loaded[0], loaded[1], record.language or "en")]
        cache.put(key, times)
    return np.sort(np.asarray(times, dtype=np.float64).reshape(-1))


def hits(boundaries: np.ndarray, edges: np.ndarray, tolerance: float = TOLERANCE_S) -> int:
    """How many boundaries lie within `tolerance` of an edge (edges sorted), both rounded to the word
    times' 20 ms steps and compared in whole steps."""
    if len(boundaries) == 0 or len(edges) == 0:
        return 0
    b, e = (np.round(np.asarray(x) / WORD_TIME_STEP_S).astype(np.int64) for x in (boundaries, edges))
    at = np.searchsorted(e, b)
    left, right = e[np.clip(at - 1, 0, len(e) - 1)], e[np.clip(at, 0, len(e) - 1)]
    nearest = np.minimum(np.abs(left - b), np.abs(right - b))
    return int((nearest <= round(tolerance / WORD_TIME_STEP_S)).sum())


def unit_boundaries(spans: list[tuple[float, float]]) -> np.ndarray:
    return np.array([start for start, _ in spans[1:]], dtype=np.float64)


def chance_boundaries(n_units: int, seconds: float) -> np.ndarray:
    """A uniform patcher's boundaries with `n_units` units over `seconds`."""
    return np.arange(1, n_units) * (seconds / n_units)


def _precision(chance: bool):
    def compute(record: SampleRecord, ctx: MetricContext) -> SampleScore | None:
        assert record.input_unit_spans is not None and record.input_seconds is not None, "the metric requires them"
        spans = record.input_unit_spans
        if len(spans) < 2:
            return None  # one unit has no boundary
        edges = word_edges(record, ctx)
        if len(edges) == 0:
            return None  # no words heard: nothing to fall on
        bounds = chance_boundaries(len(spans), record.input_seconds) if chance else unit_boundaries(spans)
        found = hits(bounds, edges)
        return SampleScore(found / len(bounds), numerator=found, denominator=len(bounds))

    return compute


register_metric(
    Metric("boundary_precision", "1", f"share of unit boundaries within {TOLERANCE_S * 1000:.0f} ms of a word "
           "start or end (the ASR judge's word times on the input)", kind="allocation", higher_is_better=None,
           aggregation="corpus", compute=_precision(False), display="boundaries on word edges", scale="fraction",
           requires=NEEDS, judges=("asr",)),
    Metric("boundary_precision_chance", "1", "the same share for a uniform patcher with as many units (chance level)",
           kind="allocation", higher_is_better=None, aggregation="corpus", compute=_precision(True),
           display="boundaries on word edges, uniform", scale="fraction", requires=NEEDS, judges=("asr",)),
)  # fmt: skip
