"""Speaking rate of a sample's input, and whether a model's rate follows it (docs/analyses.md).

Speaking rate = words (of the reference transcript) or phones (espeak-ng) per second of speech,
the speech found by the VAD, so pauses do not slow a speaker down; computed for the samples of
models that report where their units fall, beside those analyses. `rate_vs_speaking_rate` is
Spearman's rho, over the samples of a (model, task, rate) cell, between the units a model spends
per second of speech and the phones per second; its CI is the bootstrap over samples.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from vfr_bench.metrics.allocation import sample_allocation
from vfr_bench.metrics.base import Metric, MetricContext, SampleScore
from vfr_bench.metrics.phones import check_phonemiser, phonemiser_id, phones
from vfr_bench.metrics.registry import register_metric
from vfr_bench.metrics.speech_activity import check_vad, speech_seconds, speech_segments, vad_id

if TYPE_CHECKING:
    from vfr_bench.records import SampleRecord

MIN_SPEECH_S = 0.25  # the VAD's shortest speech run: less than that is no speech to time
WORD = re.compile(r"\w+(?:['’]\w+)*")


def words(text: str) -> int:
    return len(WORD.findall(text))


def _speech_seconds(record: SampleRecord, ctx: MetricContext) -> float | None:
    assert record.input_seconds is not None, "the metric requires input_seconds"
    spoken = speech_seconds(speech_segments(record, ctx), record.input_seconds)
    return spoken if spoken >= MIN_SPEECH_S else None


def _text(record: SampleRecord) -> str:
    assert record.reference is not None and record.reference.text is not None, "the metric requires the text"
    return record.reference.text


def _word_rate(record: SampleRecord, ctx: MetricContext) -> SampleScore | None:
    spoken = _speech_seconds(record, ctx)
    if spoken is None:
        return None
    count = words(_text(record))
    return SampleScore(count / spoken, numerator=count, denominator=spoken)


def _phone_rate(record: SampleRecord, ctx: MetricContext) -> SampleScore | None:
    spoken = _speech_seconds(record, ctx)
    if spoken is None:
        return None
    count = phones(_text(record), record.language or "en")
    return SampleScore(count / spoken, numerator=count, denominator=spoken)


def _rate_vs_speaking_rate(record: SampleRecord, ctx: MetricContext) -> SampleScore | None:
    """Per sample: units per phone (the pair behind it: units per second of speech, phones per second)."""
    spoken = _speech_seconds(record, ctx)
    if spoken is None:
        return None
    hz_speech = sample_allocation(record, ctx).hz(speech=True)
    phone_rate = phones(_text(record), record.language or "en") / spoken
    if hz_speech is None or phone_rate <= 0:
        return None
    return SampleScore(hz_speech / phone_rate, numerator=hz_speech, denominator=phone_rate)


def _check(ctx: MetricContext | None = None) -> None:
    check_vad(ctx)
    check_phonemiser(ctx)


def _provenance(ctx: MetricContext | None) -> dict[str, str]:
    return {"vad": vad_id(), "phonemiser": phonemiser_id()}


# computed beside the allocation analyses, where a model says where its units fall: the speaking rate
# is what those units are read against, and a run of models that say nothing pays for no VAD
SPOKEN = ("reference.text", "input_seconds", "source_audio", "input_unit_spans")
register_metric(
    Metric("speaking_rate_words", "1", "words of the reference per second of speech (VAD) in the input",
           kind="allocation", higher_is_better=None, aggregation="mean", compute=_word_rate,
           display="speaking rate", unit="words/s", requires=SPOKEN, check=check_vad, provenance=_provenance),
    Metric("speaking_rate_phones", "1", "phones (espeak-ng) of the reference per second of speech (VAD)",
           kind="allocation", higher_is_better=None, aggregation="mean", compute=_phone_rate,
           display="speaking rate", unit="phones/s", requires=SPOKEN, check=_check, provenance=_provenance),
    Metric("rate_vs_speaking_rate", "1",
           "Spearman's rho over a cell's samples: input units per second of speech vs phones per second",
           kind="allocation", higher_is_better=None, aggregation="spearman", compute=_rate_vs_speaking_rate,
           display="rate vs speaking rate", unit="rho", requires=SPOKEN,
           check=_check, provenance=_provenance),
)  # fmt: skip
