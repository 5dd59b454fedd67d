"""The judges a user names for scoring, as `vfr-bench run` and `vfr-bench score` take them (their
options are made from these fields) and as a run config's `judges:` holds them."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from vfr_bench.metrics.judge_settings import JudgeSettings
from vfr_bench.validation import Strict, not_a_boolean

JUDGE_BACKENDS = "vfr_bench.metrics.asr_judge:JUDGES"  # the registry the ASR judge backend is named in


class JudgeChoice(Strict):
    """The judges scoring uses, as `run` and `score` take them (options) and a run config's `judges:`."""

    asr_judge: str = Field(
        "tiny.en", description="ASR judge model for spoken output: tiny.en or base (ship on PyPI), large-v3, or a path."
    )
    asr_judge_backend: str = Field(
        "faster-whisper",
        description="How the ASR judge runs: a name from `vfr-bench list judges`.",
        json_schema_extra={"registry": JUDGE_BACKENDS, "metavar": "BACKEND"},
    )
    asr_judge_batch: int = Field(
        0, ge=0, description="Clips the ASR judge decodes at once: 1 is Whisper's one-clip decoding, more the "
        "batched pipeline's (other transcripts, a judge of its own); 0: 16 on a GPU, 1 on the CPU.",
    )  # fmt: skip
    judge_url: str | None = Field(
        None, description="OpenAI-compatible base URL for the LLM judge (or $VFR_BENCH_JUDGE_URL)."
    )
    judge_model: str | None = Field(
        None, description="LLM judge model (or $VFR_BENCH_JUDGE_MODEL); key from the environment."
    )
    judge_samples: int = Field(1, ge=1, description="LLM judgements per item (majority vote / mean).")
    workers: int = Field(0, ge=0, description="Processes for CPU-bound metrics (0: one per core).")

    @field_validator("asr_judge_batch", "judge_samples", "workers", mode="before")
    @classmethod
    def _a_number(cls, value: Any) -> Any:
        return not_a_boolean(value)

    @field_validator("asr_judge_backend")
    @classmethod
    def _registered(cls, value: str) -> str:
        from vfr_bench.metrics.asr_judge import JUDGES
        from vfr_bench.registry import UnknownName

        try:
            JUDGES.get(value)
        except UnknownName as err:  # its message names the known backends and the closest
            raise ValueError(str(err)) from None
        return value

    def settings(self, device: str = "cpu") -> JudgeSettings:
        return JudgeSettings(
            asr_backend=self.asr_judge_backend, asr_model=self.asr_judge, asr_device=device,
            asr_batch=self.asr_judge_batch, llm_url=self.judge_url, llm_model=self.judge_model,
            llm_samples=self.judge_samples, workers=self.workers,
        )  # fmt: skip
