"""What a metric may use while scoring a run: its audio, its judges (loaded once per metric), caches."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vfr_bench.audio import load_audio


@dataclass
class JudgeSettings:
    """The judges, as a user chose them (CLI, config or environment); recorded in the manifest."""

    asr_backend: str = "faster-whisper"  # faster-whisper | openai-whisper | transformers
    asr_model: str = "tiny.en"  # a name ("large-v3") or a local path; tiny.en and base ship on PyPI
    asr_device: str = "cpu"
    llm_url: str | None = None  # OpenAI-compatible base URL, e.g. http://localhost:8000/v1
    llm_model: str | None = None
    llm_samples: int = 1  # n judgements per item, majority vote / mean
    workers: int = 0  # processes for parallel CPU metrics (0: one per core)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ScoringContext:
    run_dir: Path
    judges: JudgeSettings = field(default_factory=JudgeSettings)
    judge_info: dict[str, Any] = field(default_factory=dict)  # what the loaded judges said of themselves
    _resources: dict[str, Any] = field(default_factory=dict)

    def resource(self, key: str, factory: Callable[[], Any]) -> Any:
        """A judge or model, created on first use and kept until `release` (one metric at a time)."""
        if key not in self._resources:
            self._resources[key] = factory()
        return self._resources[key]

    def release(self) -> None:
        self._resources.clear()

    @property
    def cache_dir(self) -> Path:
        path = self.run_dir / "judge_cache"
        path.mkdir(exist_ok=True)
        return path

    def output_audio(self, record: dict) -> tuple[np.ndarray, int] | None:
        """The generated audio of a sample, mono at 16 kHz, or None where it spoke none."""
        if not record.get("audio"):
            return None
        audio = load_audio(self.run_dir / record["audio"])
        return audio.samples, audio.sample_rate

    def input_audio(self, record: dict) -> tuple[np.ndarray, int] | None:
        """The sample's input speech (the reference for resynthesis, the prompt speaker)."""
        if not record.get("source_audio"):
            return None
        audio = load_audio(record["source_audio"])
        return audio.samples, audio.sample_rate

    def transcript(self, record: dict) -> str | None:
        """The ASR judge's transcript of the sample's generated audio, cached on disk per judge."""
        if not record.get("audio"):
            return None
        from vfr_bench.metrics.asr_judge import judge_id, load_judge

        key = f"{judge_id(self.judges)}|{record['audio']}"
        # one cache object per metric pass: a new one per sample would re-read the whole file each time
        cache = self.resource("asr-transcripts", lambda: JsonCache(self.cache_dir / "asr_transcripts.jsonl"))
        hit = cache.get(key)
        if hit is not None:
            return hit
        judge = self.resource("asr-judge", lambda: load_judge(self.judges))
        self.judge_info.setdefault("asr_judge", {"id": judge_id(self.judges), **judge.describe()})
        samples, sr = self.output_audio(record)
        text = judge.transcribe(samples, sr, record.get("language") or "en")
        cache.put(key, text)
        return text


class JsonCache:
    """Append-only key -> value cache on disk (one JSON line per entry); the last entry for a key wins."""

    def __init__(self, path: Path):
        self.path = path
        self._data: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any]:
        if self._data is None:
            from vfr_bench.run_dir import read_jsonl

            self._data = {r["key"]: r["value"] for r in read_jsonl(self.path)}
        return self._data

    def get(self, key: str) -> Any:
        return self._load().get(key)

    def put(self, key: str, value: Any) -> None:
        from vfr_bench.run_dir import append_jsonl

        append_jsonl(self.path, [{"key": key, "value": value}])
        self._load()[key] = value


def stable_hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
