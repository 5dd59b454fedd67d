"""Word and character error rates after Whisper's text normalisers, corpus-level (total edits / total
reference units), on the model's text channel (`wer`, `cer`) or on the ASR judge's transcript of its
speech (`asr_wer`, `asr_cer`).

English: Whisper's EnglishTextNormalizer; other languages: its BasicTextNormalizer. Chinese,
Japanese and Korean are not written with spaces, so they get CER and no WER.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from vfr_bench.metrics.base import Metric, MetricContext, SampleScore
from vfr_bench.metrics.registry import register_metric
from vfr_bench.provenance import installed_version

if TYPE_CHECKING:
    from vfr_bench.records import SampleRecord

CHARACTER_LANGUAGES = {"zh", "ja", "ko", "yue", "cmn"}


def base_language(language: str | None) -> str:
    return (language or "en").split("-")[0].split("_")[0].lower()


@cache
def _normaliser(language: str):
    # Whisper's normalisers as packaged by whisper-normalizer (the same code openai-whisper ships).
    if base_language(language) == "en":
        from whisper_normalizer.english import EnglishTextNormalizer

        return EnglishTextNormalizer()
    from whisper_normalizer.basic import BasicTextNormalizer

    return BasicTextNormalizer()


def normaliser_name(language: str) -> str:
    return "EnglishTextNormalizer" if base_language(language) == "en" else "BasicTextNormalizer"


def normalise(text: str, language: str = "en") -> str:
    return " ".join(_normaliser(language)(text or "").split())


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(substitutions + deletions + insertions, reference words) on already normalised text."""
    return _edits(reference, hypothesis, len(reference.split()), len(hypothesis.split()), "process_words")


def char_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """Character edits on normalised text with spaces removed (how CER is reported for CJK)."""
    ref, hyp = reference.replace(" ", ""), hypothesis.replace(" ", "")
    return _edits(ref, hyp, len(ref), len(hyp), "process_characters")


def _edits(reference: str, hypothesis: str, n_ref: int, n_hyp: int, process: str) -> tuple[int, int]:
    """(edits, reference units) by jiwer's `process` (words or characters); an empty side needs no
    alignment, and jiwer refuses an empty reference."""
    if not n_ref:
        return n_hyp, 0
    if not n_hyp:
        return n_ref, n_ref
    import jiwer

    out = getattr(jiwer, process)(reference, hypothesis)
    return out.substitutions + out.deletions + out.insertions, n_ref


def _error_rate(record: SampleRecord, hypothesis: str | None, unit: str) -> SampleScore | None:
    reference = record.reference.text if record.reference else None
    if reference is None or hypothesis is None:
        return None
    language = record.language or "en"
    if unit == "word" and base_language(language) in CHARACTER_LANGUAGES:
        return None  # no word boundaries: CER applies instead
    ref, hyp = normalise(reference, language), normalise(hypothesis, language)
    edits, total = (word_errors if unit == "word" else char_errors)(ref, hyp)
    value = edits / total if total else float(edits > 0)
    return SampleScore(
        value, edits, total,
        {"normalised_reference": ref, "normalised_hypothesis": hyp, "normaliser": normaliser_name(language)},
    )  # fmt: skip


def _provenance(ctx: MetricContext | None = None) -> dict[str, Any]:
    return {
        "normaliser": "whisper_normalizer EnglishTextNormalizer (en) / BasicTextNormalizer",
        "normaliser_version": installed_version("whisper-normalizer"),
        "jiwer_version": installed_version("jiwer"),
    }


def _judge_provenance(ctx: MetricContext | None = None) -> dict[str, Any]:
    out = _provenance()
    if ctx is not None:
        out["asr_judge"] = ctx.judges.asr_judge_id
    return out


def _text_channel(unit: str):
    def compute(record: SampleRecord, ctx: MetricContext) -> SampleScore | None:
        return _error_rate(record, record.text, unit)

    return compute


def _speech_channel(unit: str):
    def compute(record: SampleRecord, ctx: MetricContext) -> SampleScore | None:
        return _error_rate(record, ctx.transcript(record), unit)

    return compute


_COMMON: dict[str, Any] = dict(kind="quality", higher_is_better=False, aggregation="corpus", scale="fraction")
WER = Metric(
    "wer", "1", "word error rate of the text channel, corpus-level, Whisper-normalised (not for zh/ja/ko)",
    compute=_text_channel("word"), display="WER", requires=("reference.text", "text"), gate_default="0.01",
    provenance=_provenance, **_COMMON,
)  # fmt: skip
CER = Metric(
    "cer", "1", "character error rate of the text channel, corpus-level",
    compute=_text_channel("char"), display="CER", requires=("reference.text", "text"), gate_default="0.01",
    provenance=_provenance, **_COMMON,
)  # fmt: skip
ASR_WER = Metric(
    "asr_wer", "1", "WER of the ASR judge's transcript of the generated speech, corpus-level",
    compute=_speech_channel("word"), display="WER of speech (ASR)", requires=("reference.text", "audio"),
    judges=("asr",), provenance=_judge_provenance, **_COMMON,
)  # fmt: skip
ASR_CER = Metric(
    "asr_cer", "1", "CER of the ASR judge's transcript of the generated speech, corpus-level",
    compute=_speech_channel("char"), display="CER of speech (ASR)", requires=("reference.text", "audio"),
    judges=("asr",), provenance=_judge_provenance, **_COMMON,
)  # fmt: skip
register_metric(WER, CER, ASR_WER, ASR_CER)
