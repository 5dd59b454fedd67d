"""Metric registry. Tasks name their quality metrics; rate and latency metrics apply everywhere."""

from __future__ import annotations

import difflib

from vfr_bench.metrics.base import Metric, SampleScore
from vfr_bench.metrics.latency import LATENCY_METRICS
from vfr_bench.metrics.rate import RATE_METRICS
from vfr_bench.metrics.wer import WER

QUALITY_METRICS: dict[str, Metric] = {m.name: m for m in (WER,)}
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


__all__ = ["Metric", "SampleScore", "ALL_METRICS", "ALWAYS_METRICS", "QUALITY_METRICS", "get_metric",
           "metrics_for_task"]
