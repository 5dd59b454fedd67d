"""Scored run directories for the HTML report's tests: real sentences (numbers, contractions,
punctuation: the `wer` recipe normalises them) with known edits, input audio in a cache folder
outside the run and output audio under the run's audio/, scored by the real scorer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf

from vfr_bench.jsonl import append_jsonl
from vfr_bench.scoring import score_run

REFERENCES = (
    "Dr. Smith paid $20 for two apples, didn't he?",
    "The quick brown fox jumps over the lazy dog.",
    "It's 3:30 and the meeting's over.",
    "Colour and color are spelled differently in London.",
    "Turn left at the bakery, then walk 200 metres.",
)
RATES = (12.5, 4.0)
TASKS = ("asr", "rate-fidelity")  # rate-fidelity speaks: its records carry output audio


def hypothesis(reference: str, rate: float, i: int, worse: int) -> str:
    """The reference at 12.5 Hz (written another way where i is even); at 4 Hz a deletion, a
    substitution and inserted words, `worse` more for a worse model."""
    words = reference.split()
    if rate >= 12.5:
        return reference.upper() if i % 2 == 0 else reference
    words = words[1:]  # a deletion
    words[-1] = "zebra."  # a substitution
    return " ".join(words[:2] + ["really"] * (1 + worse + i % 3) + words[2:])


def write_html_run(
    path: Path, models: tuple[tuple[str, int], ...] = (("training-free-uniform", 0),), n: int = 5, error: bool = True
) -> Path:
    """`models` (name, extra inserted words at 4 Hz) x RATES x TASKS x n samples; with `error`, one
    rate-fidelity sample of the first model failed."""
    path.mkdir(parents=True, exist_ok=True)
    cache = path.parent / f"{path.name}-cache"
    cache.mkdir(exist_ok=True)
    records = []
    for model, worse in models:
        for hz in RATES:
            for task in TASKS:
                for i in range(n):
                    failed = error and (model, hz, task, i) == (models[0][0], 4.0, "rate-fidelity", 1)
                    records.append(_record(path, cache, model, task, hz, i, worse, failed))
    append_jsonl(path / "samples.jsonl", records)
    manifest = {
        "argv": ["test"],
        "models": {model: {} for model, _ in models},
        "tasks": {t: {"version": 1, "metrics": ["wer"], "dataset": {"name": "s", "content_hash": "x"}} for t in TASKS},
    }
    (path / "manifest.json").write_text(json.dumps(manifest))
    score_run(path, {task: ["wer"] for task in TASKS})
    return path


def _tone(file: Path, hz: float, seconds: float) -> None:
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        t = np.arange(int(16000 * seconds)) / 16000
        sf.write(str(file), 0.2 * np.sin(2 * np.pi * hz * t), 16000)


def _record(run: Path, cache: Path, model: str, task: str, hz: float, i: int, worse: int, failed: bool) -> dict:
    reference = REFERENCES[i % len(REFERENCES)]
    source = cache / f"utt-{i:02d}.flac"
    _tone(source, 220.0 + 20 * i, 1.0)
    audio = None
    if task == "rate-fidelity" and not failed:
        audio = f"audio/{model}/{hz:g}/{task}-utt-{i:02d}.flac"
        _tone(run / audio, 330.0 + 10 * i, 0.8)
    achieved = hz * (1 + 0.01 * (i - 2))
    return {
        "model": model, "rate_spec": f"{hz:g}", "task": task, "sample_id": f"utt-{i:02d}",
        "status": "error" if failed else "ok", "error": "worker died (test)" if failed else None,
        "requested_input_hz": hz, "requested_output_hz": hz, "achieved_input_hz": None if failed else achieved,
        "achieved_output_hz": achieved if audio else None, "input_rate_error": None if failed else achieved / hz - 1,
        "output_rate_error": achieved / hz - 1 if audio else None, "input_seconds": 1.0,
        "output_seconds": 0.8 if audio else None, "text": None if failed else hypothesis(reference, hz, i, worse),
        "audio": audio, "language": "en", "reference": {"text": reference}, "source_audio": str(source),
        "timings": {"t_total": 0.05 * hz + 0.01 * i, "t_first_token": None, "t_first_audio": None, "t_ar": 0.02 * hz},
    }  # fmt: skip
