"""Reference-based signal metrics for resynthesis: PESQ (wide and narrow band), STOI, ESTOI, SI-SDR.

The reference is the sample's input speech, the degraded signal the model's output, both at
16 kHz (loaded and resampled once, by vfr_bench.audio) and cut to the shorter of the two.
PESQ and STOI are the reference packages' own functions (pesq, pystoi).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from vfr_bench.metrics.base import Metric, MetricContext, MetricUnavailable, SampleScore
from vfr_bench.metrics.registry import register_metric
from vfr_bench.provenance import installed_version

if TYPE_CHECKING:
    from vfr_bench.records import SampleRecord


def _pair(record: SampleRecord, ctx: MetricContext) -> tuple[np.ndarray, np.ndarray, int] | None:
    out, ref = ctx.output_audio(record), ctx.input_audio(record)
    if out is None or ref is None:
        return None
    n = min(len(out[0]), len(ref[0]))
    if n == 0:
        raise ValueError("empty audio")
    return ref[0][:n].astype(np.float64), out[0][:n].astype(np.float64), out[1]


def _paired(score):
    """A metric of (reference, degraded, sample rate) -> float, applied to a sample's input and output."""

    def compute(record: SampleRecord, ctx: MetricContext) -> SampleScore | None:
        pair = _pair(record, ctx)
        return None if pair is None else SampleScore(float(score(*pair)))

    return compute


def _pesq(mode: str):
    def score(ref: np.ndarray, deg: np.ndarray, sr: int) -> float:
        from pesq import pesq

        return pesq(sr, ref, deg, mode)

    return score


def _stoi(extended: bool):
    def score(ref: np.ndarray, deg: np.ndarray, sr: int) -> float:
        from pystoi import stoi

        return stoi(ref, deg, sr, extended=extended)

    return score


def si_sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Scale-invariant SDR in dB (Le Roux et al., 2019), on zero-mean signals."""
    reference = reference - reference.mean()
    estimate = estimate - estimate.mean()
    energy = float(np.dot(reference, reference))
    if energy == 0:
        raise ValueError("SI-SDR is undefined for a silent reference")
    target = np.dot(estimate, reference) / energy * reference
    noise = estimate - target
    return float(10 * np.log10(np.dot(target, target) / max(float(np.dot(noise, noise)), 1e-20)))


def _needs(package: str, module: str):
    def check(ctx: MetricContext | None = None) -> None:
        try:
            __import__(module)
        except ImportError:
            raise MetricUnavailable(f"this metric needs {package}: pip install {package}") from None

    return check


def _version(dist: str):
    def provenance(ctx: MetricContext | None = None) -> dict[str, Any]:
        found = installed_version(dist)
        return {"library": f"{dist} {found}" if found else f"{dist} (not installed)"}

    return provenance


def _signal(name: str, description: str, score, display: str, package: str | None, unit: str = "") -> Metric:
    return Metric(
        name, "1", description, kind="quality", higher_is_better=True, aggregation="mean", compute=_paired(score),
        display=display, unit=unit, requires=("audio", "source_audio"), parallel=True,
        check=_needs(package, package) if package else None, provenance=_version(package) if package else None,
    )  # fmt: skip


register_metric(
    _signal("pesq_wb", "PESQ wide band (ITU-T P.862.2), output vs input speech", _pesq("wb"), "PESQ-WB", "pesq"),
    _signal("pesq_nb", "PESQ narrow band (ITU-T P.862), output vs input speech", _pesq("nb"), "PESQ-NB", "pesq"),
    _signal("stoi", "short-time objective intelligibility", _stoi(False), "STOI", "pystoi"),
    _signal("estoi", "extended STOI", _stoi(True), "ESTOI", "pystoi"),
    _signal("si_sdr", "scale-invariant SDR (dB)", lambda ref, deg, sr: si_sdr(ref, deg), "SI-SDR", None, unit="dB"),
)
