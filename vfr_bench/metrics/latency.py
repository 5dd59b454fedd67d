"""Latency metrics from the runner's timings (DESIGN.md "Latency definitions")."""

from __future__ import annotations

from vfr_bench.metrics.base import Metric, SampleScore


def _timing(name: str):
    def compute(record: dict, ctx=None) -> SampleScore | None:
        value = (record.get("timings") or {}).get(name)
        return None if value is None else SampleScore(float(value))

    return compute


def _lab(name: str):
    def compute(record: dict, ctx=None) -> SampleScore | None:
        value = (record.get("latency") or {}).get(name)
        return None if value is None else SampleScore(float(value))

    return compute


def _rtf(record: dict, ctx=None) -> SampleScore | None:
    """t_total per second of output audio where the request speaks, of input audio otherwise."""
    from vfr_bench.protocol import SPEECH_OUTPUT_KINDS

    t_total = (record.get("timings") or {}).get("t_total")
    speaks = record.get("request_kind") in SPEECH_OUTPUT_KINDS
    seconds = record.get("output_seconds") if speaks else record.get("input_seconds")
    if t_total is None or not seconds:
        return None
    return SampleScore(t_total / seconds)


def _latency_metrics() -> list[Metric]:
    out = []
    for timing in ("t_total", "t_first_token", "t_first_audio", "t_ar"):
        for agg in ("mean", "p50", "p90", "p95"):
            out.append(
                Metric(f"{timing}_{agg}", "1", f"{timing} ({agg}) in seconds", False, agg, _timing(timing), unit="s")
            )
    # latency-lab records: prefill, AR step time and how far from the roofline each ran
    for name, unit, text in (
        ("t_prefill", "s", "prefill time"),
        ("ms_per_llm_step", "ms", "AR time per LLM step"),
        ("ar_roofline_ratio", "", "measured AR time / memory-bandwidth bound"),
        ("prefill_roofline_ratio", "", "measured prefill / max(compute, weights-read) bound"),
    ):
        for agg in ("p50", "p90", "p95"):
            out.append(Metric(f"{name}_{agg}", "1", f"{text} ({agg})", False, agg, _lab(name), unit=unit))
    out.append(
        Metric("rtf_p50", "1", "t_total / output audio seconds (input seconds for text output)", False, "p50", _rtf)
    )
    return out


LATENCY_METRICS = _latency_metrics()
