"""LibriSpeech in its own folder layout: ROOT/<speaker>/<chapter>/<speaker>-<chapter>-<utt>.flac with
one <speaker>-<chapter>.trans.txt per chapter ("ID TRANSCRIPT" lines)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from vfr_bench.data.loaders.base import Loader, LoaderSpec, register_loader
from vfr_bench.data.manifest import ManifestError, content_hash
from vfr_bench.data.sample import Dataset, Sample

ENV = "LIBRISPEECH_ROOT"


def resolve_root(path: str) -> Path:
    """`path` with $VARS expanded; `$LIBRISPEECH_ROOT/test-clean` is the usual spelling."""
    expanded = os.path.expandvars(os.path.expanduser(path))
    if "$" in expanded:
        raise ManifestError(
            f"LibriSpeech: {path} names an unset variable: set {ENV} to the folder that holds "
            "test-clean/ and test-other/ (from openslr.org/12, or use the huggingface suite)"
        )
    return Path(expanded)


def load_librispeech(path: str, name: str | None = None) -> Dataset:
    root = resolve_root(path)
    if not root.is_dir():
        raise ManifestError(
            f"LibriSpeech folder not found: {root}; download test-clean/test-other from "
            f"openslr.org/12 and set {ENV}, or run the Hugging Face version of this suite"
        )
    samples = []
    for trans in sorted(root.rglob("*.trans.txt")):
        for number, line in enumerate(trans.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            uid, _, text = line.partition(" ")
            if not text:
                raise ManifestError(f"{trans}:{number}: expected 'ID TRANSCRIPT'")
            samples.append(Sample(id=uid, audio=trans.parent / f"{uid}.flac", text=text.strip(), language="en"))
    if not samples:
        raise ManifestError(f"{root} holds no LibriSpeech transcripts (*.trans.txt)")
    return Dataset(
        name=name or root.name,
        source=f"librispeech:{root}",
        revision="folder",
        content_hash=content_hash(samples),
        samples=tuple(samples),
    )


class LibriSpeechSpec(LoaderSpec):
    loader: Literal["librispeech"] = "librispeech"
    path: str
    name: str | None = None


@register_loader("librispeech", summary="LibriSpeech in its own folder layout (openslr.org/12)")
class LibriSpeechLoader(Loader):
    Spec = LibriSpeechSpec

    def load(self, spec: LibriSpeechSpec) -> Dataset:
        return load_librispeech(spec.path, spec.name)

    def availability(self, spec: LibriSpeechSpec) -> tuple[bool, str]:
        root = os.path.expandvars(spec.path)
        return Path(root).is_dir(), f"folder {root}" if "$" not in root else f"set {ENV}"
