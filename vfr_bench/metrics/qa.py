"""Spoken-QA accuracy by answer containment, as the spoken-QA literature scores LLaMA Questions,
Web Questions and TriviaQA: normalise the response and each accepted answer, tokenise, and count
the response correct if any answer's token sequence appears in it.

`qa_accuracy` reads the model's text channel (s2t); `qa_accuracy_s2s` the ASR judge's transcript
of its speech (s2s). Normalisation: Whisper's English normaliser (numbers as digits, British and
American spellings, contractions) for English, its basic normaliser otherwise, then articles dropped.
"""

from __future__ import annotations

from vfr_bench.metrics.base import Metric, SampleScore
from vfr_bench.metrics.wer import base_language, normalise

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
    def compute(record: dict, ctx) -> SampleScore | None:
        answers = (record.get("reference") or {}).get("answers") or []
        if not answers:
            return None
        response = record.get("text") if channel == "s2t" else ctx.transcript(record)
        if response is None:
            return None
        correct = contains_answer(response, answers, record.get("language") or "en")
        return SampleScore(float(correct), detail={"response": response, "channel": channel})

    return compute


def _provenance(ctx=None) -> dict:
    from vfr_bench.provenance import installed_version

    return {
        "normaliser": "whisper_normalizer EnglishTextNormalizer (en) / BasicTextNormalizer, articles dropped",
        "normaliser_version": installed_version("whisper-normalizer"),
        "rule": "any answer's token sequence contained",
    }


def _s2s_provenance(ctx=None) -> dict:
    out = _provenance()
    if ctx is not None:
        from vfr_bench.metrics.asr_judge import judge_id

        out["asr_judge"] = judge_id(ctx.judges)
    return out


QA_METRICS = (
    Metric(
        "qa_accuracy",
        "1",
        "spoken-QA accuracy by answer containment, text channel (s2t)",
        True,
        "mean",
        _accuracy("s2t"),
        needs_reference_text=True,
        provenance=_provenance,
    ),
    Metric(
        "qa_accuracy_s2s",
        "1",
        "spoken-QA accuracy by answer containment, ASR transcript of the speech (s2s)",
        True,
        "mean",
        _accuracy("s2s"),
        needs_reference_text=True,
        needs_judge=True,
        provenance=_s2s_provenance,
    ),
)
