"""What a metric may use while scoring a run: its audio, its judges (loaded once per metric), caches."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

from vfr_bench.audio import load_audio
from vfr_bench.metrics.asr_judge import AsrJudge, BatchingJudge, load_judge
from vfr_bench.metrics.base import Metric
from vfr_bench.metrics.cache import JsonCache
from vfr_bench.metrics.judge_settings import JudgeSettings
from vfr_bench.records import SampleRecord

log = logging.getLogger(__name__)
PREFETCH_BATCHES = 8  # batches of clips read and decoded per cache write


@dataclass
class ScoringContext:
    """Implements vfr_bench.metrics.base.MetricContext for one scoring pass over a run directory."""

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

    def judge_of(self, metric: Metric) -> str | None:
        """The judges a metric's scores are made with (recorded on every score line), or None."""
        from vfr_bench.metrics.llm_judge import judge_id

        parts = [self.judges.asr_judge_id] if "asr" in metric.judges else []
        if "llm" in metric.judges:
            parts.append(judge_id(self))
        return " + ".join(parts) or None

    def output_audio(self, record: SampleRecord) -> tuple[np.ndarray, int] | None:
        """The generated audio of a sample, mono at 16 kHz, or None where it spoke none."""
        if not record.audio:
            return None
        audio = load_audio(self.run_dir / record.audio)
        return audio.samples, audio.sample_rate

    def input_audio(self, record: SampleRecord) -> tuple[np.ndarray, int] | None:
        """The sample's input speech (the reference for resynthesis, the prompt speaker)."""
        if not record.source_audio:
            return None
        audio = load_audio(record.source_audio)
        return audio.samples, audio.sample_rate

    def _transcripts(self) -> JsonCache:
        # one cache object per metric pass: a new one per sample would re-read the whole file each time
        return self.resource("asr-transcripts", lambda: JsonCache(self.cache_dir / "asr_transcripts.jsonl"))

    def asr_judge(self) -> AsrJudge:
        """The ASR judge, loaded on first use; what it says of itself goes into the manifest."""
        judge = self.resource("asr-judge", lambda: load_judge(self.judges))
        self.judge_info.setdefault("asr_judge", {"id": self.judges.asr_judge_id, **judge.describe()})
        return judge

    def transcribe_clips(self, clips: list[tuple[np.ndarray, str]]) -> list[str]:
        """The judge's transcripts of 16 kHz clips, each with its language: all in one call where it
        batches (it decodes them batch_size at a time), else one by one."""
        judge = self.asr_judge()
        if self.judges.asr_batch_size > 1:
            return cast("BatchingJudge", judge).transcribe_batch(clips)
        return [judge.transcribe(audio, 16000, language) for audio, language in clips]

    def _transcript_key(self, record: SampleRecord) -> str:
        return f"{self.judges.asr_judge_id}|{record.audio}"

    def transcript(self, record: SampleRecord) -> str | None:
        """The ASR judge's transcript of the sample's generated audio, cached on disk per judge."""
        if not record.audio:
            return None
        cache, key = self._transcripts(), self._transcript_key(record)
        hit = cache.get(key)
        if hit is not None:
            return hit
        audio = load_audio(self.run_dir / record.audio)
        text = self.asr_judge().transcribe(audio.samples, audio.sample_rate, record.language or "en")
        cache.put(key, text)
        return text

    def prefetch_transcripts(self, records: list[SampleRecord]) -> int:
        """Transcribe, a batch at a time, the records' speech that the cache lacks (a batching judge
        only; else nothing). A clip that cannot be read, or a batch that fails, is left to `transcript`,
        which records that sample's error. Returns how many transcripts it added."""
        batch = self.judges.asr_batch_size
        if batch == 1:
            return 0
        cache = self._transcripts()
        todo = [r for r in records if r.audio and cache.get(self._transcript_key(r)) is None]
        added = 0
        for start in range(0, len(todo), batch * PREFETCH_BATCHES):  # bounded audio and features in memory
            added += self._prefetch_group(todo[start : start + batch * PREFETCH_BATCHES], cache)
        return added

    def _prefetch_group(self, records: list[SampleRecord], cache: JsonCache) -> int:
        readable: list[tuple[SampleRecord, np.ndarray]] = []
        for record in records:
            try:
                audio = load_audio(self.run_dir / (record.audio or ""))
            except Exception as err:  # noqa: BLE001 - this sample's own transcript() raises it again, as its error
                log.debug("%s left out of the batch: %s", record.audio, err)
                continue
            readable.append((record, audio.samples))
        try:
            texts = self.transcribe_clips([(audio, r.language or "en") for r, audio in readable])
        except Exception as err:  # noqa: BLE001 - each sample is tried alone, and a failure recorded as its error
            log.warning("the ASR judge failed on a batch of %d clips (%s); trying them one by one", len(readable), err)
            return 0
        for (record, _), text in zip(readable, texts, strict=True):
            cache.put(self._transcript_key(record), text)
        return len(texts)
