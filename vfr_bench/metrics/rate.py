"""Rate accounting metrics: achieved Hz and the signed / absolute rate error, per side."""

from __future__ import annotations

from vfr_bench.metrics.base import Metric, MetricContext, SampleScore
from vfr_bench.metrics.registry import register_metric
from vfr_bench.rates import rate_error
from vfr_bench.records import SampleRecord


def _achieved(side: str):
    def compute(record: SampleRecord, ctx: MetricContext | None = None) -> SampleScore | None:
        value = getattr(record, f"achieved_{side}_hz")
        return None if value is None else SampleScore(float(value))

    return compute


def _error(side: str, absolute: bool):
    def compute(record: SampleRecord, ctx: MetricContext | None = None) -> SampleScore | None:
        err = rate_error(getattr(record, f"achieved_{side}_hz"), getattr(record, f"requested_{side}_hz"))
        if err is None:
            return None
        return SampleScore(abs(err) if absolute else err)

    return compute


def _rate_metrics(side: str) -> list[Metric]:
    achieved, requested = f"achieved_{side}_hz", f"requested_{side}_hz"
    both = (achieved, requested)
    return [
        Metric(achieved, "1", f"achieved {side} frame rate", kind="rate", higher_is_better=None, aggregation="mean",
               compute=_achieved(side), display=f"achieved {side} rate", unit="Hz", requires=(achieved,)),
        Metric(f"{side}_rate_error", "1", f"signed {side} rate error, achieved/requested - 1", kind="rate",
               higher_is_better=None, aggregation="mean", compute=_error(side, False),
               display=f"{side} rate error", requires=both),
        Metric(f"{side}_rate_abs_error", "1", f"mean |{side} rate error|", kind="rate", higher_is_better=False,
               aggregation="mean", compute=_error(side, True), display=f"mean abs. {side} rate error", requires=both),
        Metric(f"{side}_rate_abs_error_p95", "1", f"95th percentile of |{side} rate error|", kind="rate",
               higher_is_better=False, aggregation="p95", compute=_error(side, True),
               display=f"p95 abs. {side} rate error", requires=both),
    ]  # fmt: skip


register_metric(*_rate_metrics("input"), *_rate_metrics("output"))
