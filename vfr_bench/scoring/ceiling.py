"""Judge ceiling: the s2s QA accuracy a perfect model would get through this scoring pipeline.

Each question's first reference answer is spoken by the offline TTS (Piper), transcribed by the
ASR judge and scored by containment against all the answers. What falls short of 100% is lost
to the TTS, the ASR judge and the matching, not to any model; report it next to the models.
The scores are written as the pseudo-model `judge-ceiling` into scores.jsonl, so summary.csv,
tables and figures show it beside the measured models.

The answer is spoken the way a model answers, in a carrier sentence ("The answer is Madrid."):
Whisper mishears a lone word far more often ("Madrid" -> "My great."), which charged the judge
with errors no model answering in sentences would meet. `bare` speaks the answer alone (the
ceiling's version 1). Two kinds of sample are spoken bare whatever the form: a language other
than English (the carrier is English, and so is the voice), and a question with an accepted
answer that shares a word with the carrier (the carrier's own words could then match it, a
correct score the judge did not earn). Every score line records its form and spoken text; the
ceiling of a run is always of one form, judge and version: a pass with another rescores it.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vfr_bench.audio import prepare_audio
from vfr_bench.data.builtin_speech import piper_speech, piper_voice
from vfr_bench.metrics.cache import JsonCache
from vfr_bench.metrics.context import ScoringContext
from vfr_bench.metrics.judge_settings import JudgeSettings
from vfr_bench.metrics.qa import answer_tokens, contains_answer
from vfr_bench.metrics.wer import base_language
from vfr_bench.records import Manifest, SampleRecord, ScoreRecord, SummaryRow
from vfr_bench.run_dir import RunDirectory
from vfr_bench.scoring.summary import summarise

log = logging.getLogger(__name__)

MODEL = "judge-ceiling"
METRIC = "qa_accuracy_s2s"
# 1: the answer spoken bare, the form not recorded; 2: the form recorded, a carrier sentence by default
VERSION = "2"
TTS = "piper en_US-joe-medium"
CARRIER = "The answer is {answer}."
FORMS = {"carrier": CARRIER, "bare": "{answer}"}
DEFAULT_FORM = "carrier"


class CeilingError(RuntimeError):
    """The judge ceiling cannot be scored as asked (unknown form, a judge other than the models')."""


@dataclass(frozen=True)
class Spoken:
    """What the ceiling speaks for one question, and the form it was spoken in."""

    text: str
    form: str  # "carrier:The answer is {answer}." or "bare"
    bare_because: str | None = None  # why a question was spoken bare where the carrier was asked for


def form_label(form: str) -> str:
    """The recorded name of a form: `bare`, or `carrier:` and its template."""
    if form not in FORMS:
        raise CeilingError(f"unknown judge-ceiling form {form!r} (known: {', '.join(FORMS)})")
    return "bare" if form == "bare" else f"{form}:{FORMS[form]}"


def carrier_words(language: str = "en") -> set[str]:
    """The carrier sentence's own words, normalised as the matching normalises them."""
    return set(answer_tokens(CARRIER.format(answer=""), language))


def spoken_form(answers: list[str], language: str, form: str = DEFAULT_FORM) -> Spoken:
    """What to speak for a question with these accepted answers (the first is spoken)."""
    label = form_label(form)
    if form == "bare":
        return Spoken(answers[0], label)
    if base_language(language) != "en":
        return Spoken(answers[0], "bare", f"the carrier is English; this question is in {language!r}")
    shared = sorted({t for a in answers for t in answer_tokens(a, language)} & carrier_words(language))
    if shared:
        return Spoken(answers[0], "bare", f"an accepted answer shares {', '.join(shared)} with the carrier")
    return Spoken(FORMS[form].format(answer=answers[0]), label)


def speak(text: str, voice: Any) -> tuple[np.ndarray, int]:
    """Piper speech for `text` (the built-in sets' voice and settings), as 16 kHz mono."""
    samples, rate = piper_speech(voice, text)
    audio = prepare_audio(samples, rate, origin=f"Piper speech of {text!r}")
    return audio.samples, audio.sample_rate


def judge_ceiling(ctx: ScoringContext, items: list[SampleRecord], form: str = DEFAULT_FORM) -> list[ScoreRecord]:
    """A ceiling score for each QA sample (its task, id, answers and language count).

    Transcripts are cached per judge, voice and spoken text in the run's judge cache, so a second
    call, or a switch back to a form used before, is free. A batching judge transcribes the spoken
    answers a batch at a time, as it does the models' speech."""
    cache = JsonCache(ctx.cache_dir / "ceiling_transcripts.jsonl")
    spoken = {item.key: spoken_form(_answers(item), item.language or "en", form) for item in items}
    keys = {i.key: f"{ctx.judges.asr_judge_id}|{TTS}|{i.language or 'en'}|{spoken[i.key].text}" for i in items}
    missing = list({keys[i.key]: i for i in items if cache.get(keys[i.key]) is None}.values())
    if missing:
        _transcribe(ctx, cache, [(keys[i.key], spoken[i.key].text, i.language or "en") for i in missing])
    out = []
    for item in items:
        answers, said, transcript = _answers(item), spoken[item.key], cache.get(keys[item.key])
        detail = {"spoken": said.text, "form": said.form, "answer": answers[0], "transcript": transcript, "tts": TTS}
        if said.bare_because:
            detail["bare_because"] = said.bare_because
        out.append(
            ScoreRecord(
                model=MODEL, rate_spec="native", task=item.task, sample_id=item.sample_id, metric=METRIC,
                metric_version=VERSION, value=float(contains_answer(transcript, answers, item.language or "en")),
                judge=ctx.judges.asr_judge_id, detail=detail,
            )
        )  # fmt: skip
    return out


def _answers(item: SampleRecord) -> list[str]:
    return item.reference.answers if item.reference else []


def _transcribe(ctx: ScoringContext, cache: JsonCache, todo: list[tuple[str, str, str]]) -> None:
    """Speak each (cache key, text, language) with Piper and cache the judge's transcript of it, a batch
    of the judge's size at a time."""
    voice = piper_voice()
    batch = ctx.judges.asr_batch_size
    for start in range(0, len(todo), batch):
        group = todo[start : start + batch]
        texts = ctx.transcribe_clips([(speak(text, voice)[0], language) for _, text, language in group])
        for (key, _, _), text in zip(group, texts, strict=True):
            cache.put(key, text)


def describe(form: str, judges: JudgeSettings) -> dict[str, Any]:
    """The ceiling's settings, for the manifest's judges."""
    return {
        "form": form_label(form), "version": VERSION, "tts": TTS, "asr_judge": judges.asr_judge_id,
        "spoken_bare": "questions not in English, and those with an answer sharing a word with the carrier",
    }  # fmt: skip


def add_ceiling(ctx: ScoringContext, form: str = DEFAULT_FORM) -> int:
    """Ceiling scores for every QA sample in the run not yet given one in this form, by this judge and
    version; returns how many were added. Ceiling scores made otherwise are replaced (and logged), so
    a run's ceiling is never a mix of two forms or judges."""
    form_label(form)
    run = RunDirectory(ctx.run_dir)
    _check_models_judge(run, ctx.judges.asr_judge_id)
    items: dict[tuple[str, str], SampleRecord] = {}
    for record in run.samples():
        if record.reference and record.reference.answers:
            items.setdefault((record.task, record.sample_id), record)
    wanted = {k: spoken_form(r.reference.answers, r.language or "en", form) for k, r in items.items() if r.reference}
    done = _keep_current(run, wanted, ctx.judges.asr_judge_id)
    scores = judge_ceiling(ctx, [r for k, r in items.items() if k not in done], form)
    run.append_scores(scores)
    ctx.judge_info["judge_ceiling"] = describe(form, ctx.judges)
    return len(scores)


def _check_models_judge(run: RunDirectory, judge: str) -> None:
    """A ceiling beside models' s2s scores must come from the judge that made them."""
    others = {
        s.judge or "an unrecorded judge"
        for s in run.scores()
        if s.model != MODEL and s.metric == METRIC and s.error is None
    }
    others.discard(judge)
    if others:
        raise CeilingError(
            f"the models' {METRIC} scores in {run.path} were made with {', '.join(sorted(others))}; a judge "
            f"ceiling with {judge} would not measure their pipeline. Score the ceiling with that judge "
            f"(--asr-judge), or score the models again with this one (--rescore {METRIC})"
        )


def _keep_current(run: RunDirectory, wanted: dict[tuple[str, str], Spoken], judge: str) -> set[tuple[str, str]]:
    """The (task, sample id)s whose ceiling score is of this form, judge and version; any other
    ceiling score is dropped from scores.jsonl (the caller holds the scoring lock)."""
    scores = run.scores()
    current, stale = set(), []
    for s in scores:
        if s.model != MODEL or s.metric != METRIC:
            continue
        spoken = wanted.get((s.task, s.sample_id))
        detail = s.detail or {}
        ok = s.error is None and s.metric_version == VERSION and s.judge == judge
        if ok and spoken and (detail.get("form"), detail.get("spoken")) == (spoken.form, spoken.text):
            current.add((s.task, s.sample_id))
        else:
            stale.append(s)
    if stale:
        was = Counter(f"{(s.detail or {}).get('form', 'bare')} v{s.metric_version} by {s.judge}" for s in stale)
        log.warning(
            "judge ceiling: %d scores made otherwise (%s) are replaced",
            len(stale), "; ".join(f"{n} {what}" for what, n in was.most_common()),
        )  # fmt: skip
        gone = {s.key for s in stale}
        run.drop_scores_where(lambda score: score.key in gone)
    return current


def score_ceiling(
    run_dir: Path | str, judges: JudgeSettings, form: str = DEFAULT_FORM, seed: int = 0
) -> list[SummaryRow]:
    """`vfr-bench score --judge-ceiling`: the ceiling in `form`, then summary.csv rebuilt and the
    ceiling's settings recorded in the manifest's judges; returns the summary rows."""
    run = RunDirectory(run_dir)
    with run.scoring_lock():
        ctx = ScoringContext(run.path, judges)
        log.info("judge ceiling: %d QA samples spoken, transcribed and scored", add_ceiling(ctx, form))
        rows = summarise(run.scores(), seed=seed)
        run.write_summary(rows)
        _record(run, ctx.judge_info)
    return rows


def _record(run: RunDirectory, judge_info: dict[str, Any]) -> None:
    """The ceiling's settings (and its judge's own description) in the manifest's judges."""
    if run.read_manifest() is None:
        return

    def change(manifest: Manifest | None) -> Manifest:
        if manifest is None:
            raise CeilingError(f"{run.manifest_path} disappeared while the judge ceiling was scored")
        return manifest.model_copy(update={"judges": {**manifest.judges, **judge_info}})

    run.update_manifest(change)
