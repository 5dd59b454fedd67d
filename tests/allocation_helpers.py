"""Real speech framed by silence, for the allocation analyses' known-answer tests."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

SAMPLE_RATE = 16000
PAD_S = 1.5  # silence before and after the sentence


@lru_cache(maxsize=1)
def padded_speech() -> np.ndarray:
    """A Piper sentence (16 kHz) with PAD_S seconds of digital silence on each side."""
    import soxr

    from vfr_bench.data.builtin_speech import piper_speech, piper_voice

    audio, rate = piper_speech(piper_voice(), "The quick brown fox jumps over the lazy dog near the river bank.")
    speech = soxr.resample(audio, rate, SAMPLE_RATE).astype(np.float32)
    pad = np.zeros(int(PAD_S * SAMPLE_RATE), dtype=np.float32)
    return np.concatenate([pad, speech, pad])
