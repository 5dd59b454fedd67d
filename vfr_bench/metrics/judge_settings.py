"""The judges a user chose (CLI, config file or environment); recorded in the run manifest."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

# ASR judge backends that decode many clips in one batch (faster-whisper's batched pipeline)
BATCHING_BACKENDS = ("faster-whisper",)
GPU_BATCH = 16  # clips per batch where the judge runs on a GPU and the batch is left to us
BATCHED = "+batched"  # the batched decoding's mark on a judge id


@dataclass
class JudgeSettings:
    asr_backend: str = "faster-whisper"  # a name in vfr_bench.metrics.asr_judge.JUDGES
    asr_model: str = "tiny.en"  # a name ("large-v3") or a local path; tiny.en and base ship on PyPI
    asr_device: str = "cpu"
    # clips the ASR judge decodes together: 1 is Whisper's one-clip decoding (temperature fallback,
    # timestamps); more is the batched pipeline's, whose transcripts differ; 0 chooses by device
    asr_batch: int = 0
    llm_url: str | None = None  # OpenAI-compatible base URL, e.g. http://localhost:8000/v1
    llm_model: str | None = None
    llm_samples: int = 1  # n judgements per item, majority vote / mean
    workers: int = 0  # processes for parallel CPU metrics (0: one per core)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def asr_batch_size(self) -> int:
        """Clips per batch: as asked, else GPU_BATCH on a GPU for a backend that batches, else 1."""
        if self.asr_batch:
            return self.asr_batch
        on_gpu = self.asr_device.startswith("cuda")
        return GPU_BATCH if on_gpu and self.asr_backend in BATCHING_BACKENDS else 1

    @property
    def asr_judge_id(self) -> str:
        """The ASR judge's identity in caches and provenance: the batched decoding transcribes
        differently from the one-clip decoding, so its scores and cache entries are its own."""
        batched = BATCHED if self.asr_batch_size > 1 else ""
        return f"{self.asr_backend}:{self.asr_model}{batched}"
