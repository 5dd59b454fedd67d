"""Word and character error rates after Whisper's text normalisers, corpus-level (total edits / total
reference units), on the model's text channel (`wer`, `cer`) or on the ASR judge's transcript of its
speech (`asr_wer`, `asr_cer`).

English: Whisper's EnglishTextNormalizer; other languages: its BasicTextNormalizer. Chinese,
Japanese and Korean are not written with spaces, so they get CER and no WER.
"""

from __future__ import annotations

from functools import cache

from vfr_bench.metrics.base import Metric, SampleScore
from vfr_bench.provenance import installed_version

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


def _error_rate(record: dict, hypothesis: str | None, unit: str) -> SampleScore | None:
    reference = (record.get("reference") or {}).get("text")
    if reference is None or hypothesis is None:
        return None
    language = record.get("language") or "en"
    if unit == "word" and base_language(language) in CHARACTER_LANGUAGES:
        return None  # no word boundaries: CER applies instead
    ref, hyp = normalise(reference, language), normalise(hypothesis, language)
    edits, total = (word_errors if unit == "word" else char_errors)(ref, hyp)
    value = edits / total if total else float(edits > 0)
    return SampleScore(
        value,
        edits,
        total,
        {"normalised_reference": ref, "normalised_hypothesis": hyp, "normaliser": normaliser_name(language)},
    )


def _provenance() -> dict:
    return {
        "normaliser": "whisper_normalizer EnglishTextNormalizer (en) / BasicTextNormalizer",
        "normaliser_version": installed_version("whisper-normalizer"),
        "jiwer_version": installed_version("jiwer"),
    }


def _judge_provenance(ctx=None) -> dict:
    out = _provenance()
    if ctx is not None:
        from vfr_bench.metrics.asr_judge import judge_id

        out["asr_judge"] = judge_id(ctx.judges)
    return out


WER = Metric(
    name="wer",
    version="1",
    description="word error rate of the text channel, corpus-level, Whisper-normalised (not for zh/ja/ko)",
    higher_is_better=False,
    aggregation="corpus",
    compute=lambda r, ctx=None: _error_rate(r, r.get("text"), "word"),
    needs_reference_text=True,
    provenance=_provenance,
)
CER = Metric(
    name="cer",
    version="1",
    description="character error rate of the text channel, corpus-level",
    higher_is_better=False,
    aggregation="corpus",
    compute=lambda r, ctx=None: _error_rate(r, r.get("text"), "char"),
    needs_reference_text=True,
    provenance=_provenance,
)
ASR_WER = Metric(
    name="asr_wer",
    version="1",
    description="WER of the ASR judge's transcript of the generated speech, corpus-level",
    higher_is_better=False,
    aggregation="corpus",
    compute=lambda r, ctx: _error_rate(r, ctx.transcript(r), "word"),
    needs_reference_text=True,
    needs_judge=True,
    provenance=_judge_provenance,
)
ASR_CER = Metric(
    name="asr_cer",
    version="1",
    description="CER of the ASR judge's transcript of the generated speech, corpus-level",
    higher_is_better=False,
    aggregation="corpus",
    compute=lambda r, ctx: _error_rate(r, ctx.transcript(r), "char"),
    needs_reference_text=True,
    needs_judge=True,
    provenance=_judge_provenance,
)
