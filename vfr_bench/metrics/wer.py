"""Word error rate after Whisper's text normaliser, corpus-level (total edits / total reference words)."""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import version

from vfr_bench.metrics.base import Metric, SampleScore


@lru_cache(maxsize=None)
def _normaliser(language: str):
    # Whisper's normalisers as packaged by whisper-normalizer (the same code openai-whisper ships).
    if language.split("-")[0].lower() == "en":
        from whisper_normalizer.english import EnglishTextNormalizer

        return EnglishTextNormalizer()
    from whisper_normalizer.basic import BasicTextNormalizer

    return BasicTextNormalizer()


def normaliser_name(language: str) -> str:
    return "EnglishTextNormalizer" if language.split("-")[0].lower() == "en" else "BasicTextNormalizer"


def normalise(text: str, language: str = "en") -> str:
    return " ".join(_normaliser(language)(text or "").split())


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(substitutions + deletions + insertions, reference words) on already normalised text."""
    import jiwer

    ref_words = reference.split()
    hyp_words = hypothesis.split()
    if not ref_words:
        return len(hyp_words), 0
    if not hyp_words:
        return len(ref_words), len(ref_words)
    out = jiwer.process_words(reference, hypothesis)
    return out.substitutions + out.deletions + out.insertions, len(ref_words)


def _wer(record: dict) -> SampleScore | None:
    reference = (record.get("reference") or {}).get("text")
    if reference is None or record.get("text") is None:
        return None
    language = record.get("language") or "en"
    ref, hyp = normalise(reference, language), normalise(record["text"], language)
    edits, words = word_errors(ref, hyp)
    value = edits / words if words else float(edits > 0)
    return SampleScore(value, edits, words, {"normalised_reference": ref, "normalised_hypothesis": hyp,
                                             "normaliser": normaliser_name(language)})


def _provenance() -> dict:
    return {"normaliser": "whisper_normalizer EnglishTextNormalizer (en) / BasicTextNormalizer",
            "normaliser_version": version("whisper-normalizer"), "jiwer_version": version("jiwer")}


WER = Metric(name="wer", version="1", description="word error rate, corpus-level, Whisper-normalised",
             higher_is_better=False, aggregation="corpus", compute=_wer, needs_reference_text=True,
             provenance=_provenance)
