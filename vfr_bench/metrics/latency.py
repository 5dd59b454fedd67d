"""Latency metrics from the runner's timings (docs/design.md "Latency definitions") and the latency
lab's per-request detail (prefill, time per LLM step, distance from the roofline)."""

from __future__ import annotations

from vfr_bench.metrics.base import Aggregation, Metric, MetricContext, SampleScore
from vfr_bench.metrics.registry import register_metric
from vfr_bench.protocol import SPEECH_OUTPUT_KINDS
from vfr_bench.records import SampleRecord

TIMINGS = ("t_total", "t_first_token", "t_first_audio", "t_ar")
AGGREGATIONS: tuple[Aggregation, ...] = ("mean", "p50", "p90", "p95")


def _field(group: str, name: str):
    def compute(record: SampleRecord, ctx: MetricContext | None = None) -> SampleScore | None:
        value = getattr(getattr(record, group, None), name, None)  # a lab field: None on a plain run's sample
        return None if value is None else SampleScore(float(value))

    return compute


def _rtf(record: SampleRecord, ctx: MetricContext | None = None) -> SampleScore | None:
    """t_total per second of output audio where the request speaks, of input audio otherwise."""
    speaks = record.request_kind in SPEECH_OUTPUT_KINDS
    seconds = record.output_seconds if speaks else record.input_seconds
    if record.timings.t_total is None or not seconds:
        return None
    return SampleScore(record.timings.t_total / seconds)


def _latency_metrics() -> list[Metric]:
    out = [
        Metric(f"{timing}_{agg}", "1", f"{timing} ({agg}) in seconds", kind="latency", higher_is_better=False,
               aggregation=agg, compute=_field("timings", timing), display=f"{timing} {agg}", unit="s",
               requires=(f"timings.{timing}",))
        for timing in TIMINGS for agg in AGGREGATIONS
    ]  # fmt: skip
    lab = (
        ("t_prefill", "s", "prefill time"),
        ("ms_per_llm_step", "ms", "AR time per LLM step"),
        ("ar_roofline_ratio", "", "measured AR time / memory-bandwidth bound"),
        ("prefill_roofline_ratio", "", "measured prefill / max(compute, weights-read) bound"),
    )
    out += [
        Metric(f"{name}_{agg}", "1", f"{text} ({agg})", kind="latency", higher_is_better=False, aggregation=agg,
               compute=_field("latency", name), display=f"{name} {agg}", unit=unit, requires=(f"latency.{name}",))
        for name, unit, text in lab for agg in ("p50", "p90", "p95")
    ]  # fmt: skip
    out.append(
        Metric("rtf_p50", "1", "t_total / output audio seconds (input seconds for text output)", kind="latency",
               higher_is_better=False, aggregation="p50", compute=_rtf, display="RTF p50",
               requires=("timings.t_total",))
    )  # fmt: skip
    return out


register_metric(*_latency_metrics())
