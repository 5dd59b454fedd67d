"""The voices that speak the training and held-out data: Piper (neural), espeak-ng and flite (Debian).

A voice is (engine, name, speed); the speed is the perturbation (Piper's length_scale, espeak-ng's
words per minute, flite's duration_stretch). Held-out voices never speak training sentences.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

SAMPLE_RATE = 16000

PIPER = ("joe",)
ESPEAK = ("en-us", "en-gb", "en-gb-x-rp", "en-gb-scotland", "en-029", "en-us+m3", "en-gb+f2", "en-us+f4", "en-us+m7")
FLITE = ("kal16", "awb", "rms", "kal")
# evaluation only: a flite voice and an espeak-ng variant that no training sentence is spoken by
HELD_OUT = (("flite", "slt"), ("espeak-ng", "en-us+f3"))


@dataclass(frozen=True)
class Voice:
    engine: str  # piper | espeak-ng | flite
    name: str
    speed: float  # Piper length_scale / espeak-ng words per minute / flite duration_stretch

    def tag(self) -> str:
        return f"{self.engine}:{self.name}@{self.speed:g}"


def draw_training_voice(rng: random.Random, share_piper: float = 0.2, share_espeak: float = 0.45) -> Voice:
    u = rng.random()
    if u < share_piper:
        return Voice("piper", PIPER[0], round(rng.uniform(0.8, 1.25), 2))
    if u < share_piper + share_espeak:
        return Voice("espeak-ng", rng.choice(ESPEAK), float(rng.randrange(130, 191, 5)))
    return Voice("flite", rng.choice(FLITE), round(rng.uniform(0.85, 1.2), 2))


def held_out_voice(index: int) -> Voice:
    engine, name = HELD_OUT[index % len(HELD_OUT)]
    return Voice(engine, name, 1.0 if engine == "flite" else 165.0)


def missing_engines() -> list[str]:
    """The Debian synthesisers that are not installed (each with its install line)."""
    return [f"{tool}: apt-get install {tool}" for tool in ("espeak-ng", "flite") if not shutil.which(tool)]


class Synthesiser:
    """Speaks text in a Voice as 16 kHz float32 audio; Piper is loaded once."""

    def __init__(self) -> None:
        self._piper: Any = None

    def speak(self, voice: Voice, text: str) -> np.ndarray:
        if voice.engine == "piper":
            audio, rate = self._piper_speech(voice, text)
        else:
            audio, rate = _command_speech(voice, text)
        if len(audio) == 0:
            raise ValueError(f"{voice.tag()} produced no audio for {text!r}")
        if rate != SAMPLE_RATE:
            import soxr

            audio = soxr.resample(audio, rate, SAMPLE_RATE)
        return audio.astype(np.float32)

    def _piper_speech(self, voice: Voice, text: str) -> tuple[np.ndarray, int]:
        from piper import SynthesisConfig

        from vfr_bench.data.builtin_speech import piper_voice

        if self._piper is None:
            self._piper = piper_voice()
        # no sampling noise: the same sentence and speed give the same audio (reproducible data)
        config = SynthesisConfig(length_scale=voice.speed, noise_scale=0.0, noise_w_scale=0.0)
        chunks = list(self._piper.synthesize(text, syn_config=config))
        if not chunks:
            return np.zeros(0, np.float32), SAMPLE_RATE
        return np.concatenate([c.audio_float_array for c in chunks]), chunks[0].sample_rate


def _command_speech(voice: Voice, text: str) -> tuple[np.ndarray, int]:
    import soundfile as sf

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "speech.wav"
        if voice.engine == "espeak-ng":
            cmd = ["espeak-ng", "-v", voice.name, "-s", str(int(voice.speed)), "-w", str(out), text]
        elif voice.engine == "flite":
            cmd = [
                "flite",
                "-voice",
                voice.name,
                "--setf",
                f"duration_stretch={voice.speed}",
                "-t",
                text,
                "-o",
                str(out),
            ]
        else:
            raise ValueError(f"unknown speech engine {voice.engine!r}")
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if done.returncode != 0 or not out.is_file():
            raise RuntimeError(f"{' '.join(cmd[:3])} failed ({done.returncode}): {done.stderr.strip()[:200]}")
        audio, rate = sf.read(str(out), dtype="float32", always_2d=True)
    return audio.mean(axis=1), int(rate)
