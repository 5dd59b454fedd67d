"""Where the input speaks: speech segments of a sample's input audio, by silero-vad (offline).

silero-vad installs from PyPI with its weights inside the wheel, so nothing is downloaded. Its
defaults are kept (speech probability 0.5, speech runs of at least 250 ms, silences of at least
100 ms, 30 ms of padding), and `VAD_ID` names them with the package version: the segments are cached
per sample under that id, so a change of settings or version is never read from an older cache.
The VAD reads the sample's own input (before any noise the run mixed in), which says where the
speech is; the model heard the same speech at the same times.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from vfr_bench.metrics.base import MetricContext, MetricUnavailable
from vfr_bench.metrics.cache import JsonCache
from vfr_bench.provenance import installed_version

if TYPE_CHECKING:
    from vfr_bench.records import SampleRecord

SAMPLE_RATE = 16000
SETTINGS = "threshold=0.5,min_speech=250ms,min_silence=100ms,pad=30ms"
INSTALL_HINT = "install the metrics extra (pip install 'vfr-bench[metrics]'), which brings silero-vad and its weights"

Segment = tuple[float, float]


def vad_id() -> str:
    return f"silero-vad {installed_version('silero-vad')} ({SETTINGS})"


def load_vad() -> Any:
    """silero-vad's JIT model. Importing silero_vad sets torch to one thread for the whole process;
    the thread count is put back, so nothing else this process runs slows down."""
    try:
        import torch

        threads = torch.get_num_threads()
        from silero_vad import load_silero_vad
    except ImportError as err:
        raise MetricUnavailable(f"silero-vad is not installed ({err}); {INSTALL_HINT}") from None
    model = load_silero_vad(onnx=False)
    torch.set_num_threads(threads)
    return model


def check_vad(ctx: MetricContext | None = None) -> None:
    """MetricUnavailable, saying what to install, where silero-vad cannot be imported."""
    try:
        import silero_vad  # noqa: F401
    except ImportError as err:
        raise MetricUnavailable(f"silero-vad is not installed ({err}); {INSTALL_HINT}") from None


def detect_speech(model: Any, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> list[Segment]:
    """Speech segments (start, end) in seconds of 16 kHz mono audio."""
    import torch
    from silero_vad import get_speech_timestamps

    if sample_rate != SAMPLE_RATE:
        raise ValueError(f"the VAD reads 16 kHz audio, got {sample_rate} Hz")
    audio = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))
    stamps = get_speech_timestamps(audio, model, sampling_rate=SAMPLE_RATE)  # in samples: no rounding
    return [(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in stamps]


def speech_segments(record: SampleRecord, ctx: MetricContext) -> list[Segment]:
    """The sample's speech segments, from the run's cache or the VAD (then cached)."""
    cache = ctx.resource("speech-segments", lambda: JsonCache(ctx.cache_dir / "speech_segments.jsonl"))
    identity = record.fingerprint.data if record.fingerprint else record.source_audio
    key = f"{vad_id()}|{identity}"
    hit = cache.get(key)
    if hit is not None:
        return [(float(a), float(b)) for a, b in hit]
    loaded = ctx.input_audio(record)
    if loaded is None:
        raise ValueError("the sample's input audio is not on disk; its speech cannot be found")
    segments = detect_speech(ctx.resource("silero-vad", load_vad), *loaded)
    cache.put(key, [list(s) for s in segments])
    return segments


def speech_seconds(segments: list[Segment], seconds: float) -> float:
    """Seconds of speech within [0, seconds] (segments merged where they overlap)."""
    return float(overlaps([(0.0, seconds)], segments)[0])


def overlaps(spans: list[Segment], segments: list[Segment]) -> np.ndarray:
    """For each span, the seconds of it that fall inside any segment (overlapping segments merged)."""
    merged: list[list[float]] = []
    for start, end in sorted(segments):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    if not spans or not merged:
        return np.zeros(len(spans))
    s = np.asarray(spans, dtype=np.float64)[:, None, :]  # [units, 1, 2]
    m = np.asarray(merged, dtype=np.float64)[None, :, :]  # [1, segments, 2]
    inside = np.minimum(s[..., 1], m[..., 1]) - np.maximum(s[..., 0], m[..., 0])
    return np.clip(inside, 0.0, None).sum(axis=1)
