"""Aggregates and their uncertainty, shared by the summary (scoring) and the regression gate.

A metric aggregates over samples in one of three ways (its `aggregation`):
- `corpus`: total numerator / total denominator (WER: all edits / all reference words);
- `mean`: the mean of per-sample values;
- `pNN`: a percentile of per-sample values (latency p50, p95);
- `spearman`: Spearman's rank correlation between the samples' numerators and denominators (a pair
  per sample: achieved Hz and speaking rate), defined from three samples on.
Confidence intervals are percentile bootstraps over samples (for corpus metrics: resample
utterances, then total / total), with one number of resamples everywhere.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

BOOTSTRAP_RESAMPLES = 2000
CONFIDENCE = 0.95
MIN_CORRELATION_SAMPLES = 3  # two points always correlate perfectly


def aggregate(aggregation: str, values: np.ndarray, num: np.ndarray, den: np.ndarray) -> float | None:
    """The aggregate over all samples, or None where it is undefined (no samples, no reference words)."""
    if len(values) == 0:
        return None
    if aggregation == "corpus":
        total = den.sum()
        return float(num.sum() / total) if total > 0 else None
    if aggregation == "mean":
        return float(values.mean())
    if aggregation == "spearman":
        if len(values) < MIN_CORRELATION_SAMPLES:
            return None
        rho = spearman_rows(num[None, :], den[None, :])[0]
        return float(rho) if np.isfinite(rho) else None  # a constant side has no ranks to correlate
    return float(np.percentile(values, percentile_of(aggregation)))


def resampled_aggregates(
    aggregation: str, values: np.ndarray, num: np.ndarray, den: np.ndarray, idx: np.ndarray
) -> np.ndarray:
    """The aggregate on each row of resample indices `idx` [resamples, n] (NaN where undefined)."""
    if aggregation == "corpus":
        totals = den[idx].sum(axis=1)
        return np.where(totals > 0, num[idx].sum(axis=1) / np.maximum(totals, 1e-12), np.nan)
    if aggregation == "mean":
        return values[idx].mean(axis=1)
    if aggregation == "spearman":
        return spearman_rows(num[idx], den[idx])
    return np.percentile(values[idx], percentile_of(aggregation), axis=1)


def average_ranks(rows: np.ndarray) -> np.ndarray:
    """Ranks (1..n) within each row, ties given their average rank (a bootstrap resample repeats
    samples): sorted once per row, each run of equal values ranked by its first and last position."""
    rows = np.asarray(rows, dtype=float)
    n = rows.shape[1]
    order = np.argsort(rows, axis=1, kind="stable")
    ordered = np.take_along_axis(rows, order, axis=1)
    starts = np.ones(rows.shape, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]  # a run of ties begins here
    ends = np.ones(rows.shape, dtype=bool)
    ends[:, :-1] = starts[:, 1:]  # ... and ends where the next begins
    position = np.arange(n)
    first = np.maximum.accumulate(np.where(starts, position, 0), axis=1)
    last = np.minimum.accumulate(np.where(ends, position, n)[:, ::-1], axis=1)[:, ::-1]
    ranks = np.empty(rows.shape, dtype=float)
    np.put_along_axis(ranks, order, (first + last) / 2 + 1, axis=1)
    return ranks


def spearman_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman's rho of each row pair of x and y [rows, n]: Pearson's r of their average ranks (NaN
    where a row's ranks do not vary)."""
    rx, ry = average_ranks(x), average_ranks(y)
    rx -= rx.mean(axis=1, keepdims=True)
    ry -= ry.mean(axis=1, keepdims=True)
    norm = np.sqrt((rx * rx).sum(axis=1) * (ry * ry).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 0, (rx * ry).sum(axis=1) / norm, np.nan)


def percentile_of(aggregation: str) -> float:
    if not (aggregation.startswith("p") and aggregation[1:].isdigit()):
        raise ValueError(f"aggregation {aggregation!r} is not corpus, mean, spearman or pNN")
    return float(aggregation[1:])


def resample_indices(rng: np.random.Generator, n: int, resamples: int = BOOTSTRAP_RESAMPLES) -> np.ndarray:
    return rng.integers(0, n, size=(resamples, n))


def interval(stats: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float | None, float | None]:
    """The central `confidence` interval of bootstrap statistics (NaNs dropped)."""
    stats = stats[np.isfinite(stats)]
    if len(stats) == 0:
        return None, None
    alpha = (1 - confidence) / 2
    return float(np.quantile(stats, alpha)), float(np.quantile(stats, 1 - alpha))


def bootstrap_ci(
    aggregation: str,
    values: np.ndarray,
    num: np.ndarray,
    den: np.ndarray,
    seed: int = 0,
    resamples: int = BOOTSTRAP_RESAMPLES,
    confidence: float = CONFIDENCE,
) -> tuple[float | None, float | None]:
    """Percentile bootstrap CI of the aggregate over samples; None with fewer than two samples."""
    if len(values) < 2:
        return None, None
    idx = resample_indices(np.random.default_rng(seed), len(values), resamples)
    return interval(resampled_aggregates(aggregation, values, num, den, idx), confidence)


def paired_bootstrap_delta(
    aggregation: str,
    base: tuple[np.ndarray, np.ndarray, np.ndarray],
    cand: tuple[np.ndarray, np.ndarray, np.ndarray],
    rng: np.random.Generator,
    resamples: int = BOOTSTRAP_RESAMPLES,
    confidence: float = CONFIDENCE,
) -> tuple[float | None, float | None]:
    """CI of candidate - baseline, resampling the same samples on both sides (they are paired)."""
    idx = resample_indices(rng, len(base[0]), resamples)
    deltas = resampled_aggregates(aggregation, *cand, idx) - resampled_aggregates(aggregation, *base, idx)
    return interval(deltas, confidence)


def two_proportion(b: np.ndarray, c: np.ndarray, sign: float, confidence: float) -> tuple[float, float, bool]:
    """Pooled two-proportion z-test on 0/1 outcomes: (CI low, CI high of c - b, significantly worse).
    `sign` is +1 where higher is worse, -1 where higher is better."""
    alpha = 1 - confidence
    n_b, n_c = len(b), len(c)
    p_b, p_c = float(b.mean()), float(c.mean())
    z_crit = NormalDist().inv_cdf(1 - alpha / 2)
    se_unpooled = math.sqrt(p_b * (1 - p_b) / n_b + p_c * (1 - p_c) / n_c)
    pooled = (b.sum() + c.sum()) / (n_b + n_c)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n_b + 1 / n_c))
    diff = p_c - p_b
    z = sign * diff / se_pooled if se_pooled > 0 else 0.0
    return diff - z_crit * se_unpooled, diff + z_crit * se_unpooled, z > z_crit
