"""Offline multilingual mini-suite: the same ten everyday sentences in German, Spanish, Italian and
English (written for this project), spoken by espeak-ng on first use and cached.

espeak-ng is a formant synthesiser: intelligible but robotic. Whisper base reads it with CER of
about 0.11 (de), 0.12 (es), 0.18 (it, en) (shared/notes), so it tells how the rate condition
behaves across languages, not what a model scores on human speech (use FLEURS for that).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib.resources import files
from pathlib import Path

from vfr_bench.data.builtin_speech import build_folder, cache_root
from vfr_bench.data.manifest import ManifestError, load_manifest
from vfr_bench.data.sample import Dataset

NAME = "multilingual-espeak"
REVISION = "1"
VOICES = {"de": "de", "es": "es", "it": "it", "en": "en-us"}


def available() -> tuple[bool, str]:
    return (
        (True, "espeak-ng found")
        if shutil.which("espeak-ng")
        else (False, "needs espeak-ng: apt-get install espeak-ng")
    )


def multilingual_espeak(languages: list[str] | None = None) -> Dataset:
    folder = cache_root() / f"{NAME}-v{REVISION}"
    manifest = folder / "manifest.jsonl"
    if not manifest.is_file():
        _synthesise(folder)
    dataset = load_manifest(manifest, name=NAME, source=f"builtin:{NAME}", revision=REVISION)
    samples = tuple(s for s in dataset.samples if not languages or s.language in languages)
    version = (
        subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout.strip()
        if shutil.which("espeak-ng")
        else None
    )
    return Dataset(
        dataset.name,
        dataset.source,
        dataset.revision,
        dataset.content_hash,
        samples,
        {"tts": "espeak-ng", "tts_version": version, "voices": VOICES},
    )


def items() -> list[dict]:
    text = files("vfr_bench.data").joinpath("multilingual_espeak.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _synthesise(folder: Path) -> None:
    ok, reason = available()
    if not ok:
        raise ManifestError(f"the {NAME} suite {reason}")

    def speak(item: dict, work: Path) -> str:
        wav = work / f"{item['id']}.wav"
        subprocess.run(
            ["espeak-ng", "-v", VOICES[item["language"]], "-w", str(wav), item["text"]], check=True, capture_output=True
        )
        return wav.name

    build_folder(folder, items(), speak)
