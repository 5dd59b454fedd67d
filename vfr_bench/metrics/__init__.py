"""Metric registry. Tasks name their quality metrics; rate and latency metrics apply everywhere.

Modules with heavy imports (torch, judges) import them only inside the functions that score.
"""

from __future__ import annotations

import difflib

from vfr_bench.metrics.base import Metric, MetricUnavailable, SampleScore
from vfr_bench.metrics.latency import LATENCY_METRICS
from vfr_bench.metrics.llm_judge import LLM_METRICS
from vfr_bench.metrics.mos import MOS_METRICS
from vfr_bench.metrics.qa import QA_METRICS
from vfr_bench.metrics.rate import RATE_METRICS
from vfr_bench.metrics.signal import SIGNAL_METRICS
from vfr_bench.metrics.speaker import SPEAKER_METRICS
from vfr_bench.metrics.wer import ASR_CER, ASR_WER, CER, WER

QUALITY_METRICS: dict[str, Metric] = {
    m.name: m
    for m in (WER, CER, ASR_WER, ASR_CER, *QA_METRICS, *LLM_METRICS, *SIGNAL_METRICS, *MOS_METRICS, *SPEAKER_METRICS)
}
ALWAYS_METRICS: tuple[Metric, ...] = (*RATE_METRICS, *LATENCY_METRICS)
ALL_METRICS: dict[str, Metric] = {**QUALITY_METRICS, **{m.name: m for m in ALWAYS_METRICS}}


def get_metric(name: str) -> Metric:
    if name in ALL_METRICS:
        return ALL_METRICS[name]
    close = difflib.get_close_matches(name, list(ALL_METRICS), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise KeyError(f"unknown metric {name!r}{hint}")


def metrics_for_task(quality: tuple[str, ...] | list[str]) -> list[Metric]:
    return [get_metric(name) for name in quality] + list(ALWAYS_METRICS)


__all__ = [
    "Metric",
    "MetricUnavailable",
    "SampleScore",
    "ALL_METRICS",
    "ALWAYS_METRICS",
    "QUALITY_METRICS",
    "get_metric",
    "metrics_for_task",
]
