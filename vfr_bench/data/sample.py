"""A sample and a data set, the records tasks are built from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vfr_bench.audio import Audio
    from vfr_bench.data.noise import NoiseSpec


@dataclass(frozen=True)
class Sample:
    """One utterance. `audio` may name a file that turns out to be missing or corrupt: the runner
    finds out when it loads it and records that sample as an error."""

    id: str
    audio: Path | None
    text: str | None = None  # reference transcript
    question: str | None = None  # text of a spoken question
    answers: tuple[str, ...] = ()  # accepted answers
    language: str = "en"
    extra: dict[str, Any] = field(default_factory=dict)  # unknown manifest keys, passed through
    noise: NoiseSpec | None = None  # mixed in when the audio is loaded (noise suites)

    def load_audio(self) -> tuple[Audio, dict[str, Any]]:
        """The sample's audio as models receive it, plus what was done to it (for the record)."""
        from vfr_bench.audio import load_audio

        if self.audio is None:
            raise ValueError(f"sample {self.id!r} has no audio")
        audio = load_audio(self.audio)
        if self.noise is None:
            return audio, {}
        from vfr_bench.data.noise import mix

        mixed, measured = mix(audio, self.noise, self.id)
        return mixed, {"noise": {**self.noise.to_json(), "measured_snr_db": measured}}


@dataclass(frozen=True)
class Dataset:
    """Samples plus what the run manifest records about where they came from."""

    name: str
    source: str  # e.g. "builtin:read-speech-en" or "manifest:/path/x.jsonl"
    revision: str  # version of the built-in set, or "file"
    content_hash: str  # sha256 over every sample's fields and audio bytes
    samples: tuple[Sample, ...]
    provenance: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "revision": self.revision,
            "content_hash": self.content_hash,
            "n_samples": len(self.samples),
            **self.provenance,
        }
