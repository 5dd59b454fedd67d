"""Word and character error rates under a named recipe (wer_recipes.py), on the model's text channel
(`wer`, `cer`, `wer_uro`) or on the ASR judge's transcript of its speech (`asr_wer`, `asr_cer`,
`asr_wer_uro`).

`wer` is Kimi-Audio-Evalkit's English ASR recipe, the one behind FlexiSLM's published numbers:
OpenAI Whisper's own English normaliser, then its basic normaliser, sacreBLEU `zh` tokens, edits per
utterance, total edits / total reference words; a prediction that is the string "null" is left out.
`wer_uro` is URO-Bench's: the mean of per-utterance WERs. `cer` is vfr-bench's character error rate
(Whisper's normalisers, spaces removed). Chinese, Japanese and Korean are not written with spaces,
so they get CER and no WER. Every score line and the manifest name the recipe and its version.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from vfr_bench.metrics.base import Metric, MetricContext, SampleScore
from vfr_bench.metrics.registry import register_metric
from vfr_bench.metrics.wer_recipes import (
    CHARACTER_LANGUAGES,
    KIMI_AUDIO_EVALKIT,
    URO_BENCH,
    WHISPER_CHARS,
    Recipe,
    base_language,
    utterance_errors,
)
from vfr_bench.provenance import installed_version

if TYPE_CHECKING:
    from vfr_bench.records import SampleRecord

__all__ = ["CHARACTER_LANGUAGES", "base_language", "char_errors", "normalise", "word_errors"]


@cache
def _normaliser(language: str):
    # The whisper-normalizer package's normalisers, as answer containment (qa.py) uses them. Its English
    # one adds rules to Whisper's (kinda, sorta, dunno, cause): the WER recipes use Whisper's own.
    if base_language(language) == "en":
        from whisper_normalizer.english import EnglishTextNormalizer

        return EnglishTextNormalizer()
    from whisper_normalizer.basic import BasicTextNormalizer

    return BasicTextNormalizer()


def normalise(text: str, language: str = "en") -> str:
    """whisper-normalizer's normalisation, whitespace collapsed (answer containment's; not a WER recipe)."""
    return " ".join(_normaliser(language)(text or "").split())


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(substitutions + deletions + insertions, reference words) on already normalised text: the
    word-level edit distance, as editdistance.eval and jiwer count it."""
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


def _error_rate(record: SampleRecord, hypothesis: str | None, recipe: Recipe) -> SampleScore | None:
    reference = record.reference.text if record.reference else None
    if reference is None or hypothesis is None:
        return None
    count = word_errors if recipe.unit == "word" else char_errors  # looked up now: tests replace them
    errors = utterance_errors(recipe, reference, hypothesis, record.language, count)
    if errors is None:
        return None  # a language the recipe does not score, or a prediction it leaves out
    joiner = " " if recipe.unit == "word" else ""
    return SampleScore(
        errors.value(recipe), errors.edits, errors.total,
        {"recipe": recipe.label, "normalised_reference": joiner.join(errors.reference),
         "normalised_hypothesis": joiner.join(errors.hypothesis)},
    )  # fmt: skip


def _provenance(recipe: Recipe):
    def provenance(ctx: MetricContext | None = None) -> dict[str, Any]:
        return {
            **recipe.describe(),
            "normaliser": "openai-whisper 20250625 EnglishTextNormalizer (pinned copy; en), BasicTextNormalizer",
            "normaliser_version": installed_version("whisper-normalizer"),
            "jiwer_version": installed_version("jiwer"),
        }

    return provenance


def _judge_provenance(recipe: Recipe):
    text = _provenance(recipe)

    def provenance(ctx: MetricContext | None = None) -> dict[str, Any]:
        out = text(ctx)
        if ctx is not None:
            out["asr_judge"] = ctx.judges.asr_judge_id
        return out

    return provenance


def _text_channel(recipe: Recipe):
    def compute(record: SampleRecord, ctx: MetricContext) -> SampleScore | None:
        return _error_rate(record, record.text, recipe)

    return compute


def _speech_channel(recipe: Recipe):
    def compute(record: SampleRecord, ctx: MetricContext) -> SampleScore | None:
        return _error_rate(record, ctx.transcript(record), recipe)

    return compute


def _metrics(name: str, version: str, recipe: Recipe, what: str, display: str, **text_only: Any) -> list[Metric]:
    """The text-channel metric `name` and its speech-channel twin `asr_<name>`, under one recipe."""
    common: dict[str, Any] = dict(kind="quality", higher_is_better=False, aggregation=recipe.aggregation,
                                  scale="fraction")  # fmt: skip
    return [
        Metric(
            name, version, f"{what} of the text channel; recipe {recipe.label}: {recipe.summary}",
            compute=_text_channel(recipe), display=display, requires=("reference.text", "text"),
            provenance=_provenance(recipe), **text_only, **common,
        ),
        Metric(
            f"asr_{name}", version, f"{what} of the ASR judge's transcript of the generated speech; "
            f"recipe {recipe.label}", compute=_speech_channel(recipe), display=f"{display} of speech (ASR)",
            requires=("reference.text", "audio"), judges=("asr",), provenance=_judge_provenance(recipe), **common,
        ),
    ]  # fmt: skip


# version 2: Kimi-Audio-Evalkit's recipe (version 1: whisper-normalizer's normaliser, jiwer words)
WER, ASR_WER = _metrics("wer", "2", KIMI_AUDIO_EVALKIT, "word error rate (not for zh/ja/ko)", "WER",
                        gate_default="0.01")  # fmt: skip
# version 2: Whisper's own English normaliser (version 1: whisper-normalizer's, with its added rules)
CER, ASR_CER = _metrics("cer", "2", WHISPER_CHARS, "character error rate", "CER", gate_default="0.01")
WER_URO, ASR_WER_URO = _metrics("wer_uro", "1", URO_BENCH, "word error rate, mean of utterances (English)",
                                "WER (URO-Bench)")  # fmt: skip
register_metric(WER, CER, ASR_WER, ASR_CER, WER_URO, ASR_WER_URO)
