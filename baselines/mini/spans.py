"""Dynamic merging with a cap on a group's length that keeps the group count (the rate) as asked."""

from __future__ import annotations

import numpy as np

from vfr_bench.baselines.training_free.merging import adjacent_cosine_similarity, dynamic_boundaries, split_long_groups


def capped_dynamic_boundaries(frames: np.ndarray, n_groups: int, max_span: int) -> np.ndarray:
    """Cuts at the lowest-similarity transitions, no group longer than `max_span` frames, and
    exactly n_groups groups where the cap allows it (at least ceil(n / max_span)).

    Long groups are split evenly, then the surplus cuts are removed one by one, the most similar
    transition first, among those whose removal keeps every group within the cap; where no single
    cut can go, the shortest run of groups that can lose one is cut again evenly.
    """
    n = len(frames)
    n_groups = int(min(max(n_groups, -(-n // max_span), 1), n))
    bounds = list(split_long_groups(dynamic_boundaries(frames, n_groups), max_span))
    if len(bounds) - 1 <= n_groups:
        return np.array(bounds, dtype=int)
    sim = adjacent_cosine_similarity(frames) if n > 1 else np.zeros(0)
    while len(bounds) - 1 > n_groups:
        b = np.array(bounds)
        inner = np.arange(1, len(b) - 1)
        joined = b[inner + 1] - b[inner - 1]
        ok = inner[joined <= max_span]
        if len(ok):
            del bounds[int(ok[np.argmax(sim[b[ok] - 1])])]
        else:
            bounds = _recut_one_fewer(bounds, max_span)
    return np.array(bounds, dtype=int)


def _recut_one_fewer(bounds: list[int], max_span: int) -> list[int]:
    """One group fewer: the shortest run of groups that fits in one group less, cut evenly."""
    for length in range(2, len(bounds)):
        for i in range(len(bounds) - length):
            start, end = bounds[i], bounds[i + length]
            if -(-(end - start) // (length - 1)) <= max_span:
                inner = [start + round(k * (end - start) / (length - 1)) for k in range(1, length - 1)]
                return bounds[: i + 1] + inner + bounds[i + length :]
    raise ValueError("no run of groups can lose one within the cap")  # unreachable: n_groups >= n / max_span
