"""Pareto frontier of (cost, quality) points: cost lower is better, quality in its metric's direction."""

from __future__ import annotations

import numpy as np


def pareto_mask(cost: np.ndarray, quality: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """True for the points no other point dominates. A point dominates another when it costs no more
    and is no worse, and is strictly better on one of the two. O(n log n): sort by cost, then
    quality, and keep each point that beats the best quality seen at a lower cost."""
    cost = np.asarray(cost, dtype=float)
    q = np.asarray(quality, dtype=float) if higher_is_better else -np.asarray(quality, dtype=float)
    order = np.lexsort((-q, cost))  # cost ascending; at equal cost, best quality first
    keep = np.zeros(len(cost), dtype=bool)
    best = -np.inf
    i = 0
    while i < len(order):
        j = i
        while j < len(order) and cost[order[j]] == cost[order[i]]:
            j += 1
        group = order[i:j]
        top = q[group[0]]
        if top > best:
            keep[group[q[group] == top]] = True  # ties at the same cost and quality dominate no one
            best = top
        i = j
    return keep
