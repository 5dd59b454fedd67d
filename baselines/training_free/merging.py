"""Frame merging: group adjacent frames, average each group, expand back by duration.

A grouping is a sorted boundary array `b` with b[0] = 0 and b[-1] = n_frames; group g covers
frames b[g]:b[g+1]. The number of groups is the number of positions a language model would see.
"""

from __future__ import annotations

import math

import numpy as np


def adjacent_cosine_similarity(frames: np.ndarray) -> np.ndarray:
    """Cosine similarity of each frame with the next: [n] frames -> [n-1] values."""
    frames = np.asarray(frames, dtype=np.float64)
    norms = np.linalg.norm(frames, axis=1)
    unit = frames / np.maximum(norms, 1e-12)[:, None]
    sim = np.einsum("ij,ij->i", unit[:-1], unit[1:])
    # two all-zero frames (digital silence) are the same frame
    both_zero = (norms[:-1] < 1e-12) & (norms[1:] < 1e-12)
    sim[both_zero] = 1.0
    return sim


def target_group_count(n_frames: int, base_hz: float, target_hz: float) -> int:
    """round(target / base x frames) (Python rounding, half to even), at least 1 and at most n_frames."""
    return int(min(n_frames, max(1, round(target_hz / base_hz * n_frames))))


def dynamic_boundaries(frames: np.ndarray, n_groups: int, max_span: int | None = None) -> np.ndarray:
    """Cut at the n_groups - 1 lowest-similarity transitions (ties: earliest first).

    With `max_span`, a group longer than that many frames is then split evenly, so the group
    count (and the achieved rate) can exceed the target: the cost of the cap is measured, not hidden.
    """
    n = len(frames)
    if n == 0:
        raise ValueError("cannot group zero frames")
    n_groups = int(min(max(n_groups, 1), n))
    cuts = (
        np.sort(np.argsort(adjacent_cosine_similarity(frames), kind="stable")[: n_groups - 1] + 1)
        if n > 1
        else np.array([], dtype=int)
    )
    boundaries = np.concatenate([[0], cuts, [n]]).astype(int)
    return split_long_groups(boundaries, max_span) if max_span else boundaries


def threshold_boundaries(frames: np.ndarray, threshold: float, max_span: int | None = None) -> np.ndarray:
    """Cut wherever adjacent similarity falls below `threshold`; the rate is an outcome."""
    n = len(frames)
    if n == 0:
        raise ValueError("cannot group zero frames")
    cuts = np.nonzero(adjacent_cosine_similarity(frames) < threshold)[0] + 1 if n > 1 else np.array([], dtype=int)
    boundaries = np.concatenate([[0], cuts, [n]]).astype(int)
    return split_long_groups(boundaries, max_span) if max_span else boundaries


def uniform_boundaries(n_frames: int, base_hz: float, target_hz: float) -> np.ndarray:
    """Fixed patching: a patch every base/target frames in time (4 at 25 -> 6.25 Hz).

    Patch edges sit at round(k x base/target), independent of the content and of the utterance
    length; the last patch may be shorter, so short utterances run slightly above the target.
    """
    if n_frames <= 0:
        raise ValueError("cannot group zero frames")
    step = base_hz / target_hz
    count = max(1, math.ceil(n_frames / step - 1e-9))
    edges = np.unique(np.minimum(np.round(np.arange(count + 1) * step).astype(int), n_frames))
    if edges[-1] != n_frames:
        edges = np.append(edges, n_frames)
    return edges


def split_long_groups(boundaries: np.ndarray, max_span: int) -> np.ndarray:
    if max_span < 1:
        raise ValueError(f"max_span must be at least 1 frame, got {max_span}")
    out = [int(boundaries[0])]
    for start, end in zip(boundaries[:-1], boundaries[1:]):
        pieces = math.ceil((end - start) / max_span)
        out.extend(int(start + round(j * (end - start) / pieces)) for j in range(1, pieces + 1))
    return np.array(out, dtype=int)


def merge(frames: np.ndarray, boundaries: np.ndarray) -> np.ndarray:
    """Mean of each group: [n, d] -> [groups, d]."""
    sums = np.add.reduceat(np.asarray(frames, dtype=np.float64), boundaries[:-1], axis=0)
    return (sums / np.diff(boundaries)[:, None]).astype(frames.dtype)


def group_spans(boundaries: np.ndarray, base_hz: float, offset_s: float, end_s: float) -> list[tuple[float, float]]:
    """(start, end) seconds of each group: frames of `base_hz` from `offset_s`, the last cut at `end_s`
    (a last frame can reach past the audio). What an adapter built on these groupings reports as
    `Response.input_unit_spans`."""
    times = offset_s + np.asarray(boundaries, dtype=np.float64) / base_hz
    return [(float(a), float(min(b, end_s))) for a, b in zip(times[:-1], times[1:])]


def expand(groups: np.ndarray, boundaries: np.ndarray) -> np.ndarray:
    """Repeat each group's vector over its duration: [groups, d] -> [n, d]."""
    return np.repeat(groups, np.diff(boundaries), axis=0)
