"""Metrics: each module registers its metrics with `register_metric`; look them up by name.

Tasks name their quality metrics; rate and latency metrics apply everywhere. Modules with heavy
imports (torch, judges) import them only inside the functions that score.
"""

from vfr_bench.metrics.base import Metric, MetricUnavailable, SampleScore
from vfr_bench.metrics.registry import (
    METRICS,
    all_metrics,
    always_metrics,
    get_metric,
    metrics_for_task,
    register_metric,
)

__all__ = [
    "METRICS", "Metric", "MetricUnavailable", "SampleScore", "all_metrics", "always_metrics", "get_metric",
    "metrics_for_task", "register_metric",
]  # fmt: skip
