"""Noise at an exact SNR: white, pink, babble made from other utterances, or a user's noise folder.

The SNR is exact on the mixed signal: the noise is scaled so that 10 log10(P_speech / P_noise) over
the whole utterance equals the request. Every mix is seeded per sample, so a rerun hears the same
noise, and the measured SNR is recorded with the sample.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vfr_bench.audio import Audio, load_audio

KINDS = ("white", "pink", "babble", "folder")
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")


@dataclass(frozen=True)
class NoiseSpec:
    kind: str
    snr_db: float
    seed: int
    sources: tuple[str, ...] = ()  # babble: the data set's utterances; folder: noise files
    exclude: str | None = None  # babble: the sample's own audio, never a talker in its own noise

    def pool(self) -> tuple[str, ...]:
        """The files this sample's noise is drawn from. Samples share one `sources` tuple: a copy
        per sample without its own file would hold n^2 paths for a data set of n."""
        return tuple(p for p in self.sources if p != self.exclude) if self.exclude else self.sources

    def to_json(self) -> dict:
        return {"kind": self.kind, "snr_db": self.snr_db, "seed": self.seed, "sources": len(self.pool())}


def power(x: np.ndarray) -> float:
    return float(np.mean(np.asarray(x, dtype=np.float64) ** 2))


def snr_db(speech: np.ndarray, noise: np.ndarray) -> float:
    return 10.0 * np.log10(power(speech) / power(noise))


def white(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal(n)


def pink(n: int, rng: np.random.Generator) -> np.ndarray:
    """1/f power spectrum: white noise shaped by 1/sqrt(f) in the frequency domain."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(spectrum), dtype=np.float64)
    f[0] = 1.0
    return np.fft.irfft(spectrum / np.sqrt(f), n)


def _loop_to(x: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """A random n-sample stretch of x, looped where x is shorter."""
    if len(x) == 0:
        raise ValueError("empty noise source")
    reps = int(np.ceil((n + len(x)) / len(x)))
    start = int(rng.integers(0, len(x)))
    return np.tile(x, reps)[start : start + n]


def babble(n: int, rng: np.random.Generator, sources: tuple[str, ...], talkers: int = 4) -> np.ndarray:
    """The sum of `talkers` other utterances, each normalised to the same power."""
    if not sources:
        raise ValueError("babble noise needs other utterances to talk over")
    picks = rng.choice(len(sources), size=min(talkers, len(sources)), replace=False)
    out = np.zeros(n)
    for i in picks:
        x = load_audio(sources[i]).samples.astype(np.float64)
        x = _loop_to(x, n, rng)
        out += x / np.sqrt(max(power(x), 1e-12))
    return out


def from_folder(n: int, rng: np.random.Generator, sources: tuple[str, ...]) -> np.ndarray:
    if not sources:
        raise ValueError("the noise folder holds no audio files")
    return _loop_to(load_audio(sources[int(rng.integers(0, len(sources)))]).samples.astype(np.float64), n, rng)


def noise_for(spec: NoiseSpec, n: int, sample_id: str) -> np.ndarray:
    # a seed per (run seed, sample, SNR): the same sample always gets the same noise
    digest = hashlib.sha256(f"{spec.seed}|{sample_id}|{spec.kind}|{spec.snr_db}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "big"))
    if spec.kind == "white":
        return white(n, rng)
    if spec.kind == "pink":
        return pink(n, rng)
    if spec.kind == "babble":
        return babble(n, rng, spec.pool())
    if spec.kind == "folder":
        return from_folder(n, rng, spec.pool())
    raise ValueError(f"unknown noise kind {spec.kind!r} (one of {', '.join(KINDS)})")


def mix(audio: Audio, spec: NoiseSpec, sample_id: str) -> tuple[Audio, float]:
    """Speech plus noise at exactly spec.snr_db; returns the mix and the SNR measured on it."""
    speech = audio.samples.astype(np.float64)
    if power(speech) == 0:
        raise ValueError("cannot set an SNR on silent speech")
    noise = noise_for(spec, len(speech), sample_id)
    noise *= np.sqrt(power(speech) / (power(noise) * 10 ** (spec.snr_db / 10)))
    mixed = speech + noise
    peak = np.max(np.abs(mixed))
    if peak > 1.0:  # scale speech and noise together: the SNR stays exact, nothing clips
        mixed, speech, noise = mixed / peak, speech / peak, noise / peak
    measured = snr_db(speech, noise)
    return Audio(
        mixed.astype(np.float32), audio.sample_rate, audio.original_sample_rate, audio.original_channels
    ), measured


def folder_sources(folder: str | Path) -> tuple[str, ...]:
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"noise folder not found: {folder} (e.g. MUSAN's noise/ folder)")
    files = tuple(sorted(str(p) for p in folder.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES))
    if not files:
        raise FileNotFoundError(f"noise folder {folder} holds no audio files ({', '.join(AUDIO_SUFFIXES)})")
    return files
