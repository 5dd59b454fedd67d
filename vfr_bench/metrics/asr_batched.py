"""Many clips through faster-whisper's batched pipeline at once (the ASR judge on a GPU).

The pipeline batches the 30 s windows of one long recording; here the clips of a scoring pass are
laid end to end, a second of silence apart, with each clip (or each 30 s window of a longer clip) given
as one of its `clip_timestamps`, so one encoder and one beam search serve a whole batch of samples.
Its decoding is not Whisper's one-clip decoding: one beam-5 pass per window, no timestamps (their
tokens suppressed), no temperature fallback; the judge's id says which one made a transcript. Whisper's
no-speech rule is kept: a window the model calls silence (no-speech probability over 0.6 with an average
log-probability of -1 or less) transcribes to nothing rather than to the text Whisper invents for silence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

SAMPLE_RATE = 16000
WINDOW_S = 30  # Whisper's input length: a longer clip is cut into equal windows, their texts joined
GAP_S = 1  # silence between clips, so that no two windows start at the same 10 ms frame
NO_SPEECH_PROB, LOG_PROB = 0.6, -1.0  # faster-whisper's defaults for its one-clip decoding's skip
TIMESTAMPS = 1501  # <|0.00|> to <|30.00|>


@dataclass(frozen=True)
class Window:
    clip: int  # index of the clip it belongs to
    start: int  # in samples, in the laid-out recording
    end: int


def lay_out(clips: Sequence[np.ndarray]) -> tuple[np.ndarray, list[Window]]:
    """The clips end to end with GAP_S of silence between them, and their windows (empty clips have none):
    a clip longer than WINDOW_S is cut into the fewest equal windows, so none is a sliver of a tail."""
    gap, window = GAP_S * SAMPLE_RATE, WINDOW_S * SAMPLE_RATE
    parts: list[np.ndarray] = []
    windows: list[Window] = []
    offset = 0
    for i, clip in enumerate(clips):
        size = math.ceil(len(clip) / math.ceil(len(clip) / window)) if len(clip) else 1
        for start in range(0, len(clip), size):
            windows.append(Window(i, offset + start, offset + min(start + size, len(clip))))
        parts += [clip.astype(np.float32), np.zeros(gap, np.float32)]
        offset += len(clip) + gap
    return (np.concatenate(parts) if parts else np.zeros(0, np.float32)), windows


def transcribe_batched(pipeline: Any, clips: Sequence[np.ndarray], language: str | None, batch_size: int) -> list[str]:
    """One transcript per clip (all in one language), decoded `batch_size` windows at a time."""
    audio, windows = lay_out(clips)
    texts: list[list[str]] = [[] for _ in clips]
    if not windows:
        return ["" for _ in clips]
    stamps = [{"start": w.start / SAMPLE_RATE, "end": w.end / SAMPLE_RATE} for w in windows]
    first_timestamp = pipeline.model.hf_tokenizer.token_to_id("<|notimestamps|>") + 1  # as Whisper numbers them
    segments, _ = pipeline.transcribe(
        audio, language=language, clip_timestamps=stamps, batch_size=batch_size, beam_size=5,
        without_timestamps=True, condition_on_previous_text=False, vad_filter=False, log_progress=False,
        # a timestamp token would end the segment's text there: the rest of the window would be lost
        suppress_tokens=[-1, *range(first_timestamp, first_timestamp + TIMESTAMPS)],
    )  # fmt: skip
    segments = list(segments)
    frames_per_second = pipeline.model.frames_per_second
    if len(segments) != len(windows):
        raise RuntimeError(f"the batched pipeline returned {len(segments)} segments for {len(windows)} windows")
    for window, segment in zip(windows, segments, strict=True):
        # without timestamps the pipeline yields one segment per window, in order; its seek says which
        expected = int(window.start / SAMPLE_RATE * frames_per_second)
        if abs(segment.seek - expected) > 1:
            raise RuntimeError(f"a batched segment at frame {segment.seek} matches no window (expected {expected})")
        if any(t >= first_timestamp for t in segment.tokens):
            raise RuntimeError("a batched segment holds a timestamp token: its window's text would be cut")
        if segment.no_speech_prob > NO_SPEECH_PROB and segment.avg_logprob <= LOG_PROB:
            continue  # silence, as the one-clip decoding skips it
        texts[window.clip].append(segment.text.strip())
    return [" ".join(t for t in parts if t) for parts in texts]
