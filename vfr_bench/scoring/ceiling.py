"""Judge ceiling: the s2s QA accuracy a perfect model would get through this scoring pipeline.

Each question's first reference answer is spoken by the offline TTS (Piper), transcribed by the
ASR judge and scored by containment against all the answers. What falls short of 100% is lost
to the TTS, the ASR judge and the matching, not to any model; report it next to the models.
The scores are written as the pseudo-model `judge-ceiling` into scores.jsonl, so summary.csv,
tables and figures show it beside the measured models.
"""

from __future__ import annotations

from vfr_bench.audio import prepare_audio
from vfr_bench.data.builtin_speech import piper_speech, piper_voice
from vfr_bench.metrics.asr_judge import load_judge
from vfr_bench.metrics.cache import JsonCache
from vfr_bench.metrics.context import ScoringContext
from vfr_bench.metrics.qa import contains_answer
from vfr_bench.records import SampleRecord, ScoreRecord
from vfr_bench.run_dir import RunDirectory

MODEL = "judge-ceiling"
METRIC = "qa_accuracy_s2s"


def speak(text: str, voice) -> tuple:
    """Piper speech for `text` (the built-in sets' voice and settings), as 16 kHz mono."""
    samples, rate = piper_speech(voice, text)
    audio = prepare_audio(samples, rate, origin=f"Piper speech of {text!r}")
    return audio.samples, audio.sample_rate


def judge_ceiling(ctx: ScoringContext, items: list[SampleRecord]) -> list[ScoreRecord]:
    """A ceiling score for each QA sample (its task, id, answers and language count).

    Transcripts are cached per judge in the run's judge cache, so a second call is free."""
    cache = JsonCache(ctx.cache_dir / "ceiling_transcripts.jsonl")
    judge = voice = None
    out = []
    for item in items:
        answers = item.reference.answers if item.reference else []
        language = item.language or "en"
        key = f"{ctx.judges.asr_judge_id}|{answers[0]}"
        transcript = cache.get(key)
        if transcript is None:
            judge = judge or load_judge(ctx.judges)
            voice = voice or piper_voice()
            samples, sr = speak(answers[0], voice)
            transcript = judge.transcribe(samples, sr, language)
            cache.put(key, transcript)
        correct = contains_answer(transcript, answers, language)
        out.append(
            ScoreRecord(
                model=MODEL, rate_spec="native", task=item.task, sample_id=item.sample_id, metric=METRIC,
                metric_version="1", value=float(correct), judge=ctx.judges.asr_judge_id,
                detail={"spoken": answers[0], "transcript": transcript, "tts": "piper en_US-joe-medium"},
            )
        )  # fmt: skip
    return out


def add_ceiling(ctx: ScoringContext) -> int:
    """Ceiling scores for every QA sample in the run not yet given one; returns how many were added."""
    run = RunDirectory(ctx.run_dir)
    done = {(s.task, s.sample_id) for s in run.scores() if s.model == MODEL}
    items: dict[tuple[str, str], SampleRecord] = {}
    for record in run.samples():
        key = (record.task, record.sample_id)
        if record.reference and record.reference.answers and key not in done:
            items.setdefault(key, record)
    scores = judge_ceiling(ctx, list(items.values()))
    run.append_scores(scores)
    return len(scores)
