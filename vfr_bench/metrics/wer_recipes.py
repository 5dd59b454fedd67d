"""Error-rate recipes: how a kit turns a reference and a hypothesis into units (words or characters),
which predictions it leaves out, and how it aggregates. Papers publish WER under different recipes,
and the same transcripts score differently under each, so every WER or CER score names its recipe
(`label`, on the score line and in the manifest) and a published number is only drawn beside a
metric of the same recipe.

- `kimi-audio-evalkit` (metric `wer`): Kimi-Audio-Evalkit's ASR scoring, MoonshotAI/Kimi-Audio-
  Evalkit at commit 4080c49: almeval/datasets/ds_asr.py `evaluate_qwen2` (lines 35-42: predictions
  that are the string "null" are left out with their references; `remove_sp` on both sides) and
  almeval/metrics/wer.py `compute_wer` (lines 97-134: Whisper's English normaliser, then Whisper's
  basic normaliser, then sacreBLEU's `zh` tokeniser with punctuation-only tokens removed and
  lowercasing; edit distance per utterance; total edits / total reference tokens).
- `uro-bench` (metric `wer_uro`): URO-Bench (Ruiqi-Yan/URO-Bench at 9e74bc0) metrics/mark_wer.py:
  `wer_en` (lines 16-24: Whisper's English normaliser on the stripped, lowercased text, jiwer.wer,
  1 where jiwer fails, which it does on a reference with no words) and `eval_wav` (lines 103-116:
  the mean of those per-utterance WERs). English only, as there.
- `whisper-chars` (metric `cer`): vfr-bench's own: Whisper's English normaliser (en) or basic
  normaliser, spaces removed, character edits, corpus-level. Not Kimi-Audio-Evalkit's Chinese
  recipe, which reads digits as Chinese numerals (speechio's cn_tn) and counts a Latin word as one
  unit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from vfr_bench.metrics import recipe_text as rt

CHARACTER_LANGUAGES = frozenset({"zh", "ja", "ko", "yue", "cmn"})


def base_language(language: str | None) -> str:
    return (language or "en").split("-")[0].split("_")[0].lower()


@dataclass(frozen=True)
class Recipe:
    """A named, versioned way of scoring one utterance (`units` of each side) and a corpus."""

    name: str
    version: str  # of the recipe's source: the kit's commit, or vfr-bench's own revision
    summary: str
    source: str
    unit: Literal["word", "char"]
    aggregation: Literal["corpus", "mean"]
    units: Callable[[str, str], list[str]]  # (text, base language) -> the units edits are counted on
    applies: Callable[[str], bool]  # base language -> whether the recipe scores it
    drops: Callable[[str], bool] = lambda hypothesis: False  # a prediction the recipe leaves out
    empty_reference_value: float | None = None  # a per-utterance value where the reference has no units

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def describe(self) -> dict[str, Any]:
        return {"recipe": self.label, "recipe_source": self.source}


def kit_units(text: str, language: str) -> list[str]:
    """Kimi-Audio-Evalkit's tokens of one side (ds_asr.py lines 39-40, then wer.py lines 112-122)."""
    out = rt.remove_sp(text, language)
    if language == "en":
        out = rt.whisper_english()(out)
    out = rt.whisper_basic()(out)  # every language but zh (whose cn_tn normaliser is not here)
    return rt.remove_punctuation(rt.sacrebleu_zh_tokenise(out)).lower().split()


def uro_units(text: str, language: str) -> list[str]:
    """URO-Bench's words of one side (mark_wer.py line 18; jiwer's default transform splits words)."""
    return rt.whisper_english()(text.strip().lower()).split()


def whisper_chars(text: str, language: str) -> list[str]:
    normalised = rt.whisper_english()(text) if language == "en" else rt.whisper_basic()(text)
    return list(normalised.replace(" ", ""))


KIMI_AUDIO_EVALKIT = Recipe(
    "kimi-audio-evalkit", "4080c49",
    "Kimi-Audio-Evalkit: Whisper English + basic normalisers, sacreBLEU zh tokens, corpus; 'null' predictions left out",
    "MoonshotAI/Kimi-Audio-Evalkit 4080c49: almeval/datasets/ds_asr.py evaluate_qwen2, almeval/metrics/wer.py "
    "compute_wer", "word", "corpus", kit_units, applies=lambda language: language not in CHARACTER_LANGUAGES,
    drops=lambda hypothesis: hypothesis == "null",
)  # fmt: skip
URO_BENCH = Recipe(
    "uro-bench", "9e74bc0",
    "URO-Bench: Whisper English normaliser, jiwer WER per utterance (1 on an empty reference), mean",
    "Ruiqi-Yan/URO-Bench 9e74bc0: metrics/mark_wer.py wer_en and eval_wav", "word", "mean", uro_units,
    applies=lambda language: language == "en", empty_reference_value=1.0,
)  # fmt: skip
WHISPER_CHARS = Recipe(
    "whisper-chars", "2",
    "Whisper English (en) or basic normaliser, spaces removed, character edits, corpus",
    "vfr-bench vfr_bench/metrics/wer_recipes.py whisper_chars", "char", "corpus", whisper_chars,
    applies=lambda language: True,
)  # fmt: skip
RECIPES = {r.name: r for r in (KIMI_AUDIO_EVALKIT, URO_BENCH, WHISPER_CHARS)}


@dataclass(frozen=True)
class UtteranceErrors:
    """One utterance under a recipe: its units, edits and reference units, and its value."""

    reference: list[str]
    hypothesis: list[str]
    edits: int
    total: int

    def value(self, recipe: Recipe) -> float:
        if self.total:
            return self.edits / self.total
        if recipe.empty_reference_value is not None:
            return recipe.empty_reference_value
        return float(self.edits > 0)


def utterance_errors(
    recipe: Recipe, reference: str, hypothesis: str, language: str | None,
    count: Callable[[str, str], tuple[int, int]],
) -> UtteranceErrors | None:  # fmt: skip
    """The recipe's units and `count`'s (edits, reference units) on them; None where the recipe does
    not score this language or leaves this prediction out."""
    lang = base_language(language)
    if not recipe.applies(lang) or recipe.drops(hypothesis):
        return None
    ref, hyp = recipe.units(reference, lang), recipe.units(hypothesis, lang)
    edits, total = count(" ".join(ref), " ".join(hyp))
    return UtteranceErrors(ref, hyp, edits, total)
