"""The judges a user chose (CLI, config file or environment); recorded in the run manifest."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class JudgeSettings:
    asr_backend: str = "faster-whisper"  # a name in vfr_bench.metrics.asr_judge.JUDGES
    asr_model: str = "tiny.en"  # a name ("large-v3") or a local path; tiny.en and base ship on PyPI
    asr_device: str = "cpu"
    llm_url: str | None = None  # OpenAI-compatible base URL, e.g. http://localhost:8000/v1
    llm_model: str | None = None
    llm_samples: int = 1  # n judgements per item, majority vote / mean
    workers: int = 0  # processes for parallel CPU metrics (0: one per core)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def asr_judge_id(self) -> str:
        """The ASR judge's identity in caches and provenance."""
        return f"{self.asr_backend}:{self.asr_model}"
