"""Speech and silence: how many of its input units a model spends on each (docs/analyses.md).

Each input unit covers a span of the input (`input_unit_spans`); the part of that span inside the
VAD's speech segments counts to speech, the rest to silence, so a unit straddling an edge is split
by time rather than guessed whole into one class. Rates are units per second of each class; a class
shorter than `MIN_CLASS_S` in a sample has no rate there ("not applicable"). A model that reports
no spans gets none of these metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from vfr_bench.metrics.base import Metric, MetricContext, SampleScore
from vfr_bench.metrics.registry import register_metric
from vfr_bench.metrics.speech_activity import Segment, check_vad, overlaps, speech_seconds, speech_segments, vad_id

if TYPE_CHECKING:
    from vfr_bench.records import SampleRecord

MIN_CLASS_S = 0.1  # about three VAD windows: less speech or silence than this has no rate of its own
NEEDS = ("input_unit_spans", "input_seconds", "source_audio")


@dataclass(frozen=True)
class Allocation:
    """A sample's input units and seconds, split into speech and silence."""

    speech_units: float
    silence_units: float
    speech_seconds: float
    silence_seconds: float

    def hz(self, speech: bool) -> float | None:
        units, seconds = (
            (self.speech_units, self.speech_seconds) if speech else (self.silence_units, self.silence_seconds)
        )
        return units / seconds if seconds >= MIN_CLASS_S else None


def allocate(spans: list[tuple[float, float]], segments: list[Segment], seconds: float) -> Allocation:
    """Split units (by the share of each span inside speech) and seconds into speech and silence."""
    if not spans:
        raise ValueError("no input unit spans to allocate")
    lengths = np.array([end - start for start, end in spans], dtype=np.float64)
    in_speech = overlaps(spans, segments) / lengths
    speech_units = float(in_speech.sum())
    spoken = speech_seconds(segments, seconds)
    return Allocation(speech_units, len(spans) - speech_units, spoken, max(seconds - spoken, 0.0))


def sample_allocation(record: SampleRecord, ctx: MetricContext) -> Allocation:
    assert record.input_unit_spans is not None and record.input_seconds is not None, "the metric requires them"
    return allocate(record.input_unit_spans, speech_segments(record, ctx), record.input_seconds)


def _class_hz(speech: bool):
    def compute(record: SampleRecord, ctx: MetricContext) -> SampleScore | None:
        found = sample_allocation(record, ctx)
        hz = found.hz(speech)
        if hz is None:
            return None
        units, seconds = (
            (found.speech_units, found.speech_seconds) if speech else (found.silence_units, found.silence_seconds)
        )
        return SampleScore(hz, numerator=units, denominator=seconds)

    return compute


def _silence_unit_share(record: SampleRecord, ctx: MetricContext) -> SampleScore | None:
    found = sample_allocation(record, ctx)
    total = found.speech_units + found.silence_units
    return SampleScore(found.silence_units / total, numerator=found.silence_units, denominator=total)


def _silence_time_share(record: SampleRecord, ctx: MetricContext) -> SampleScore | None:
    found = sample_allocation(record, ctx)
    total = found.speech_seconds + found.silence_seconds
    if total <= 0:
        return None
    return SampleScore(found.silence_seconds / total, numerator=found.silence_seconds, denominator=total)


def _provenance(ctx: MetricContext | None) -> dict[str, str]:
    return {"vad": vad_id()}


def _metric(name: str, description: str, compute, **kw) -> Metric:
    return Metric(
        name, "1", description, kind="allocation", higher_is_better=None, aggregation="corpus", compute=compute,
        requires=NEEDS, check=check_vad, provenance=_provenance, **kw,
    )  # fmt: skip


register_metric(
    _metric("achieved_hz_speech", "input units per second of speech (VAD), units split by time across edges",
            _class_hz(True), display="achieved Hz in speech", unit="Hz"),
    _metric("achieved_hz_silence", "input units per second of non-speech (VAD), units split by time across edges",
            _class_hz(False), display="achieved Hz in silence", unit="Hz"),
    _metric("silence_unit_share", "share of the input units spent on non-speech", _silence_unit_share,
            display="units on silence", scale="fraction"),
    _metric("input_silence_share", "share of the input's seconds that are non-speech (the VAD's)", _silence_time_share,
            display="input that is silence", scale="fraction"),
)  # fmt: skip
