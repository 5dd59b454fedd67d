"""Audio loading: the one place where files are decoded, checked, mixed to mono and resampled.

Every model receives mono float32 at MODEL_SAMPLE_RATE; nothing else in vfr-bench resamples or
mixes channels on the way in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_SAMPLE_RATE = 16000
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


def load_audio(path: str | Path, sample_rate: int = MODEL_SAMPLE_RATE) -> Audio:
    """Decode `path`, refuse what a model cannot take, mix to mono and resample to `sample_rate`."""
    import soundfile as sf

    path = Path(path)
    if not path.is_file():
        raise AudioError(f"audio file not found: {path}")
    try:
        data, original_sr = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as err:  # libsndfile reports corrupt and unknown formats alike
        raise AudioError(f"cannot decode audio file {path}: {err}") from None
    return prepare_audio(data, original_sr, sample_rate, origin=str(path))


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
    if original_sr <= 0:
        raise AudioError(f"{origin}: invalid sample rate {original_sr}")
    mono = data.mean(axis=1) if channels > 1 else data[:, 0]
    if original_sr != sample_rate:
        import soxr

        mono = soxr.resample(mono, original_sr, sample_rate, quality="HQ").astype(np.float32)
        if len(mono) == 0:
            raise AudioError(f"{origin}: audio too short to resample from {original_sr} Hz to {sample_rate} Hz")
    return Audio(np.ascontiguousarray(mono, dtype=np.float32), sample_rate, int(original_sr), int(channels))


def write_flac(path: Path, samples: np.ndarray, sample_rate: int) -> None:
    """Write generated audio losslessly (clipped to [-1, 1], which FLAC's integer PCM requires)."""
    import soundfile as sf

    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(
        str(path),
        np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0),
        sample_rate,
        format="FLAC",
        subtype="PCM_16",
    )
