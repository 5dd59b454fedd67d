"""Audio loading: the one place where files are decoded, checked, mixed to mono and resampled.

Every model receives mono float32 at MODEL_SAMPLE_RATE; nothing else in vfr-bench resamples or
mixes channels on the way in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_SAMPLE_RATE = 16000
MIN_SAMPLE_RATE = 4000  # below this no speech survives, and resampling up costs memory out of all proportion
DEFAULT_MAX_SECONDS = 7200.0
MAX_SECONDS_ENV = "VFR_BENCH_MAX_AUDIO_SECONDS"
SILENCE_PEAK = 1e-4  # below -80 dBFS peak we call the input silent (flagged, still run)


class AudioError(ValueError):
    """An audio file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Audio:
    samples: np.ndarray  # mono float32 at `sample_rate`
    sample_rate: int
    original_sample_rate: int
    original_channels: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.sample_rate

    @property
    def is_silent(self) -> bool:
        return float(np.max(np.abs(self.samples))) < SILENCE_PEAK


def max_seconds() -> float:
    """The longest input accepted ($VFR_BENCH_MAX_AUDIO_SECONDS, default two hours)."""
    value = os.environ.get(MAX_SECONDS_ENV)
    try:
        return float(value) if value else DEFAULT_MAX_SECONDS
    except ValueError:
        raise AudioError(f"${MAX_SECONDS_ENV}={value!r} is not a number of seconds") from None


def load_audio(path: str | Path, sample_rate: int = MODEL_SAMPLE_RATE) -> Audio:
    """Decode `path`, refuse what a model cannot take, mix to mono and resample to `sample_rate`.

    The header is read first: a rate below MIN_SAMPLE_RATE or a length past max_seconds() is refused
    before decoding (a 40 KB file declaring 1 Hz would resample to 1.3 GB), and a file holding fewer
    frames than its header declares is truncated, not a shorter utterance."""
    import soundfile as sf

    path = Path(path)
    if not path.is_file():
        raise AudioError(f"audio file not found: {path}")
    try:  # libsndfile reports corrupt and unknown formats alike
        with sf.SoundFile(str(path)) as f:
            original_sr = f.samplerate
            declared = max(f.frames, declared_wav_frames(path) or 0)
            _check_header(path, original_sr, declared)
            data = f.read(dtype="float32", always_2d=True)
    except AudioError:
        raise
    except Exception as err:
        raise AudioError(f"cannot decode audio file {path}: {err}") from None
    if len(data) < declared:
        raise AudioError(
            f"{path}: truncated: its header declares {declared} frames ({declared / original_sr:.3f} s), "
            f"the file holds {len(data)} ({len(data) / original_sr:.3f} s)"
        )
    return prepare_audio(data, original_sr, sample_rate, origin=str(path))


def declared_wav_frames(path: Path) -> int | None:
    """The frame count a PCM WAV header declares (libsndfile reports what the file holds instead), or
    None for other files and for streamed WAVs whose header gives no size."""
    import wave

    try:
        with wave.open(str(path)) as w:
            frames = w.getnframes()
    except (wave.Error, EOFError, OSError):
        return None
    return frames if 0 < frames < 0xFFFFFFFF // 2 else None


def _check_header(path: Path, rate: int, frames: int) -> None:
    if rate < MIN_SAMPLE_RATE:
        raise AudioError(f"{path}: sample rate {rate} Hz is below {MIN_SAMPLE_RATE} Hz: not speech audio")
    limit = max_seconds()
    if frames / rate > limit:
        raise AudioError(
            f"{path}: {frames / rate:.0f} s is longer than {limit:.0f} s (raise ${MAX_SECONDS_ENV} to take it)"
        )


def prepare_audio(
    data: np.ndarray, original_sr: int, sample_rate: int = MODEL_SAMPLE_RATE, origin: str = "audio"
) -> Audio:
    """Check and convert an in-memory signal ([n] or [n, channels]) exactly as `load_audio` does."""
    data = np.asarray(data, dtype=np.float32)
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2:
        raise AudioError(f"{origin}: expected [samples] or [samples, channels], got shape {data.shape}")
    channels = data.shape[1]
    if data.shape[0] == 0 or channels == 0:
        raise AudioError(f"{origin}: audio is empty (0 samples)")
    if not np.all(np.isfinite(data)):
        bad = int(np.count_nonzero(~np.isfinite(data)))
        raise AudioError(f"{origin}: audio holds {bad} NaN or infinite sample(s)")
    if original_sr < MIN_SAMPLE_RATE:
        raise AudioError(f"{origin}: sample rate {original_sr} Hz is below {MIN_SAMPLE_RATE} Hz: not speech audio")
    mono = data.mean(axis=1) if channels > 1 else data[:, 0]
    if original_sr != sample_rate:
        import soxr

        mono = soxr.resample(mono, original_sr, sample_rate, quality="HQ").astype(np.float32)
        if len(mono) == 0:
            raise AudioError(f"{origin}: audio too short to resample from {original_sr} Hz to {sample_rate} Hz")
    return Audio(np.ascontiguousarray(mono, dtype=np.float32), sample_rate, int(original_sr), int(channels))


def write_flac(path: Path, samples: np.ndarray, sample_rate: int) -> None:
    """Write generated audio losslessly (clipped to [-1, 1], which FLAC's integer PCM requires)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(flac_bytes(samples, sample_rate))


def flac_bytes(samples: np.ndarray, sample_rate: int) -> bytes:
    """The FLAC file write_flac writes, as bytes: a Ray worker encodes where it generates and the
    driver writes the same bytes a local run would (byte for byte)."""
    import io

    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(
        buffer,
        np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0),
        sample_rate,
        format="FLAC",
        subtype="PCM_16",
    )
    return buffer.getvalue()
