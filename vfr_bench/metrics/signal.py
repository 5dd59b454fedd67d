"""Reference-based signal metrics for resynthesis: PESQ (wide and narrow band), STOI, ESTOI, SI-SDR.

The reference is the sample's input speech, the degraded signal the model's output, both at
16 kHz (loaded and resampled once, by vfr_bench.audio) and cut to the shorter of the two.
PESQ and STOI are the reference packages' own functions (pesq, pystoi).
"""

from __future__ import annotations

import numpy as np

from vfr_bench.metrics.base import Metric, MetricUnavailable, SampleScore
from vfr_bench.provenance import installed_version


def _pair(record: dict, ctx) -> tuple[np.ndarray, np.ndarray, int] | None:
    out, ref = ctx.output_audio(record), ctx.input_audio(record)
    if out is None or ref is None:
        return None
    n = min(len(out[0]), len(ref[0]))
    if n == 0:
        raise ValueError("empty audio")
    return ref[0][:n].astype(np.float64), out[0][:n].astype(np.float64), out[1]


def _paired(score):
    """A metric of (reference, degraded, sample rate) -> float, applied to a sample's input and output."""

    def compute(record: dict, ctx) -> SampleScore | None:
        pair = _pair(record, ctx)
        return None if pair is None else SampleScore(float(score(*pair)))

    return compute


def _pesq(mode: str):
    def score(ref: np.ndarray, deg: np.ndarray, sr: int) -> float:
        from pesq import pesq

        return pesq(sr, ref, deg, mode)

    return _paired(score)


def _stoi(extended: bool):
    def score(ref: np.ndarray, deg: np.ndarray, sr: int) -> float:
        from pystoi import stoi

        return stoi(ref, deg, sr, extended=extended)

    return _paired(score)


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
    def check(ctx=None) -> None:
        try:
            __import__(module)
        except ImportError:
            raise MetricUnavailable(f"this metric needs {package}: pip install {package}") from None

    return check


def _version(dist: str):
    def provenance() -> dict:
        found = installed_version(dist)
        return {"library": f"{dist} {found}" if found else f"{dist} (not installed)"}

    return provenance


SIGNAL_METRICS = (
    Metric(
        "pesq_wb",
        "1",
        "PESQ wide band (ITU-T P.862.2), output vs input speech",
        True,
        "mean",
        _pesq("wb"),
        needs_reference_audio=True,
        parallel=True,
        check=_needs("pesq", "pesq"),
        provenance=_version("pesq"),
    ),
    Metric(
        "pesq_nb",
        "1",
        "PESQ narrow band (ITU-T P.862), output vs input speech",
        True,
        "mean",
        _pesq("nb"),
        needs_reference_audio=True,
        parallel=True,
        check=_needs("pesq", "pesq"),
        provenance=_version("pesq"),
    ),
    Metric(
        "stoi",
        "1",
        "short-time objective intelligibility",
        True,
        "mean",
        _stoi(False),
        needs_reference_audio=True,
        parallel=True,
        check=_needs("pystoi", "pystoi"),
        provenance=_version("pystoi"),
    ),
    Metric(
        "estoi",
        "1",
        "extended STOI",
        True,
        "mean",
        _stoi(True),
        needs_reference_audio=True,
        parallel=True,
        check=_needs("pystoi", "pystoi"),
        provenance=_version("pystoi"),
    ),
    Metric(
        "si_sdr",
        "1",
        "scale-invariant SDR (dB)",
        True,
        "mean",
        _paired(lambda ref, deg, sr: si_sdr(ref, deg)),
        needs_reference_audio=True,
        parallel=True,
        unit="dB",
    ),
)
