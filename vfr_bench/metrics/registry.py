"""The metric registry: built-ins are the metrics this package's modules register; outside packages
add theirs under the entry-point group `vfr_bench.metrics`, plug-in files through `register_metric`."""

from __future__ import annotations

from typing import Any

from vfr_bench.metrics.base import Metric
from vfr_bench.registry import Entry, PluginError, Registry, import_package, source_of


def _is_metric(entry: Entry[Metric], obj: Any) -> Metric:
    if not isinstance(obj, Metric):
        raise PluginError(f"metric {entry.name!r}: {entry.target} is not a vfr_bench Metric")
    return obj


METRICS: Registry[Metric] = Registry(
    "metric",
    discover=import_package("vfr_bench.metrics"),
    entry_point_group="vfr_bench.metrics",
    check=_is_metric,
    list_command="vfr-bench list metrics",
)


def register_metric(*metrics: Metric) -> None:
    """Make metrics known by their names (call it at a module's top level)."""
    for metric in metrics:
        METRICS.add(metric.name, metric, source=source_of(metric.compute), summary=metric.description)


def get_metric(name: str) -> Metric:
    return METRICS.get(name)


def all_metrics() -> dict[str, Metric]:
    return dict(METRICS.items())


def always_metrics() -> list[Metric]:
    """Rate and latency metrics: scored on every task."""
    return [m for m in all_metrics().values() if m.kind != "quality"]


def metrics_for_task(quality: tuple[str, ...] | list[str]) -> list[Metric]:
    """A task's quality metrics (in its order), then every rate and latency metric, each once."""
    named = [get_metric(name) for name in dict.fromkeys(quality)]
    return named + [m for m in always_metrics() if m.name not in quality]
