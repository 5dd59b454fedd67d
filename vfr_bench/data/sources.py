"""Data source names used by task YAML files and `--data`: `builtin:NAME` or a manifest path."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from vfr_bench.data.manifest import ManifestError, load_manifest
from vfr_bench.data.sample import Dataset


def _builtin_read_speech() -> Dataset:
    from vfr_bench.data.builtin_speech import read_speech_en

    return read_speech_en()


BUILTIN_DATASETS: dict[str, Callable[[], Dataset]] = {"read-speech-en": _builtin_read_speech}


def load_dataset(source: str) -> Dataset:
    """`builtin:read-speech-en`, `manifest:PATH` or a plain path to a JSONL manifest."""
    if source.startswith("builtin:"):
        name = source.split(":", 1)[1]
        if name not in BUILTIN_DATASETS:
            raise ManifestError(f"unknown built-in data set {name!r} (built-in: {', '.join(BUILTIN_DATASETS)})")
        return BUILTIN_DATASETS[name]()
    path = source.split(":", 1)[1] if source.startswith("manifest:") else source
    return load_manifest(Path(path))
