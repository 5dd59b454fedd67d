"""Rate accounting metrics: achieved Hz and the signed / absolute rate error, per side."""

from __future__ import annotations

from vfr_bench.metrics.base import Metric, SampleScore
from vfr_bench.rates import rate_error


def _field(name: str):
    def compute(record: dict, ctx=None) -> SampleScore | None:
        value = record.get(name)
        return None if value is None else SampleScore(float(value))

    return compute


def _error(side: str, absolute: bool):
    def compute(record: dict, ctx=None) -> SampleScore | None:
        err = rate_error(record.get(f"achieved_{side}_hz"), record.get(f"requested_{side}_hz"))
        if err is None:
            return None
        return SampleScore(abs(err) if absolute else err)

    return compute


def _rate_metrics() -> list[Metric]:
    out = []
    for side in ("input", "output"):
        out.append(
            Metric(
                f"achieved_{side}_hz",
                "1",
                f"achieved {side} frame rate",
                None,
                "mean",
                _field(f"achieved_{side}_hz"),
                unit="Hz",
            )
        )
        out.append(
            Metric(
                f"{side}_rate_error",
                "1",
                f"signed {side} rate error, achieved/requested - 1",
                None,
                "mean",
                _error(side, False),
            )
        )
        out.append(
            Metric(f"{side}_rate_abs_error", "1", f"mean |{side} rate error|", False, "mean", _error(side, True))
        )
        out.append(
            Metric(
                f"{side}_rate_abs_error_p95",
                "1",
                f"95th percentile of |{side} rate error|",
                False,
                "p95",
                _error(side, True),
            )
        )
    return out


RATE_METRICS = _rate_metrics()
