"""Many clips through faster-whisper's batched pipeline at once (the ASR judge on a GPU).

The pipeline batches the 30 s windows of one long recording; here the clips of a scoring pass are
laid end to end, a second of silence apart, with each clip (or each 30 s window of a longer clip) given
as one of its `clip_timestamps`, so one encoder and one beam search serve a whole batch of samples.
Its decoding is not Whisper's one-clip decoding: one beam-5 pass per window, no timestamps, no
temperature fallback; the judge's id says which one made a transcript.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

SAMPLE_RATE = 16000
WINDOW_S = 30  # Whisper's input length: a longer clip is cut into windows, their texts joined
GAP_S = 1  # silence between clips, so that no two windows start at the same 10 ms frame


@dataclass(frozen=True)
class Window:
    clip: int  # index of the clip it belongs to
    start: int  # in samples, in the laid-out recording
    end: int


def lay_out(clips: Sequence[np.ndarray]) -> tuple[np.ndarray, list[Window]]:
    """The clips end to end with GAP_S of silence between them, and their windows (empty clips have none)."""
    gap, window = GAP_S * SAMPLE_RATE, WINDOW_S * SAMPLE_RATE
    parts: list[np.ndarray] = []
    windows: list[Window] = []
    offset = 0
    for i, clip in enumerate(clips):
        for start in range(0, len(clip), window):
            windows.append(Window(i, offset + start, offset + min(start + window, len(clip))))
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
    segments, _ = pipeline.transcribe(
        audio, language=language, clip_timestamps=stamps, batch_size=batch_size, beam_size=5,
        without_timestamps=True, condition_on_previous_text=False, vad_filter=False, log_progress=False,
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
        texts[window.clip].append(segment.text.strip())
    return [" ".join(t for t in parts if t) for parts in texts]
