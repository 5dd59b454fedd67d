"""Word-level diffs of a transcript against its reference, aligned on exactly the units an error-rate
metric counted: the normalised reference and hypothesis its score line records (`detail`), split as
its recipe splits them, aligned by the same jiwer call that counted the edits (metrics/wer.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vfr_bench.metrics.wer_recipes import RECIPES

# the metrics whose edits a diff shows, in order of preference for one sample
DIFF_METRICS = ("wer", "asr_wer", "cer", "asr_cer", "wer_uro", "asr_wer_uro")

Op = list[str]  # ["=", word] | ["s", reference word, hypothesis word] | ["d", reference word] | ["i", hypothesis word]


@dataclass(frozen=True)
class Diff:
    metric: str
    value: float | None
    edits: int  # the metric's numerator where it has one, else the edits marked
    ops: list[Op]

    @property
    def marked(self) -> int:
        return sum(op[0] != "=" for op in self.ops)


def units(detail: dict[str, Any], side: str) -> list[str] | None:
    """The units of one side (`reference` or `hypothesis`) as the score's recipe counted them."""
    text = detail.get(f"normalised_{side}")
    recipe = RECIPES.get(str(detail.get("recipe", "")).split("@")[0])
    if text is None or recipe is None:
        return None
    return text.split() if recipe.unit == "word" else list(text)


def align(reference: list[str], hypothesis: list[str], unit: str = "word") -> list[Op]:
    """Equal, substituted, deleted and inserted units, in reading order; jiwer's alignment, as
    metrics/wer.py counts edits (an empty side needs none)."""
    if not reference:
        return [["i", h] for h in hypothesis]
    if not hypothesis:
        return [["d", r] for r in reference]
    import jiwer

    if unit == "word":
        alignment = jiwer.process_words(" ".join(reference), " ".join(hypothesis)).alignments[0]
    else:
        alignment = jiwer.process_characters("".join(reference), "".join(hypothesis)).alignments[0]
    ops: list[Op] = []
    for chunk in alignment:
        refs = reference[chunk.ref_start_idx : chunk.ref_end_idx]
        hyps = hypothesis[chunk.hyp_start_idx : chunk.hyp_end_idx]
        if chunk.type == "equal":
            ops += [["=", r] for r in refs]
        elif chunk.type == "substitute":
            ops += [["s", r, h] for r, h in zip(refs, hyps)]
        elif chunk.type == "delete":
            ops += [["d", r] for r in refs]
        else:
            ops += [["i", h] for h in hyps]
    return ops


def sample_diff(scores: dict[str, Any]) -> Diff | None:
    """The diff of one sample from its scores ({metric: ScoreRecord}): the first metric of
    DIFF_METRICS with a value and the normalised units on its score line; None where none has."""
    for name in DIFF_METRICS:
        score = scores.get(name)
        if score is None or score.value is None or not score.detail:
            continue
        ref, hyp = units(score.detail, "reference"), units(score.detail, "hypothesis")
        if ref is None or hyp is None:
            continue
        unit = RECIPES[str(score.detail["recipe"]).split("@")[0]].unit
        ops = align(ref, hyp, unit)
        edits = int(score.numerator) if score.numerator is not None else sum(op[0] != "=" for op in ops)
        return Diff(name, score.value, edits, ops)
    return None
