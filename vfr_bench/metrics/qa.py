"""Spoken-QA accuracy by answer containment, as the spoken-QA literature scores LLaMA Questions,
Web Questions and TriviaQA: normalise the response and each accepted answer, tokenise, and count
the response correct if any answer's token sequence appears in it.

`qa_accuracy` reads the model's text channel (s2t); `qa_accuracy_s2s` the ASR judge's transcript
of its speech (s2s). Normalisation: Whisper's English normaliser (numbers as digits, British and
American spellings, contractions) for English, its basic normaliser otherwise, then articles dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vfr_bench.metrics.base import Metric, MetricContext, SampleScore
from vfr_bench.metrics.registry import register_metric
from vfr_bench.metrics.wer import base_language, normalise
from vfr_bench.provenance import installed_version

if TYPE_CHECKING:
    from vfr_bench.records import SampleRecord

ARTICLES = {"en": {"a", "an", "the"}}


def answer_tokens(text: str, language: str = "en") -> list[str]:
    articles = ARTICLES.get(base_language(language), set())
    return [t for t in normalise(text, language).split() if t not in articles]


def contains_answer(response: str, answers: list[str] | tuple[str, ...], language: str = "en") -> bool:
    tokens = answer_tokens(response, language)
    for answer in answers:
        wanted = answer_tokens(answer, language)
        if wanted and any(tokens[i : i + len(wanted)] == wanted for i in range(len(tokens) - len(wanted) + 1)):
            return True
    return False


def _accuracy(channel: str):
    def compute(record: SampleRecord, ctx: MetricContext) -> SampleScore | None:
        answers = record.reference.answers if record.reference else []
        response = record.text if channel == "s2t" else ctx.transcript(record)
        if response is None:
            return None
        correct = contains_answer(response, answers, record.language or "en")
        return SampleScore(float(correct), detail={"response": response, "channel": channel})

    return compute


def _provenance(ctx: MetricContext | None = None) -> dict[str, Any]:
    return {
        "normaliser": "whisper_normalizer EnglishTextNormalizer (en) / BasicTextNormalizer, articles dropped",
        "normaliser_version": installed_version("whisper-normalizer"),
        "rule": "any answer's token sequence contained",
    }


def _s2s_provenance(ctx: MetricContext | None = None) -> dict[str, Any]:
    out = _provenance()
    if ctx is not None:
        out["asr_judge"] = ctx.judges.asr_judge_id
    return out


_COMMON: dict[str, Any] = dict(kind="quality", higher_is_better=True, aggregation="mean", scale="fraction")
register_metric(
    Metric(
        "qa_accuracy", "1", "spoken-QA accuracy by answer containment, text channel (s2t)",
        compute=_accuracy("s2t"), display="QA accuracy (text)", requires=("reference.answers", "text"),
        provenance=_provenance, **_COMMON,
    ),
    Metric(
        "qa_accuracy_s2s", "1", "spoken-QA accuracy by answer containment, ASR transcript of the speech (s2s)",
        compute=_accuracy("s2s"), display="QA accuracy (speech)", requires=("reference.answers", "audio"),
        judges=("asr",), provenance=_s2s_provenance, **_COMMON,
    ),
)  # fmt: skip
