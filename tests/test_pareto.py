import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vfr_bench.report.pareto import pareto_mask


def brute_force(cost, quality, higher):
    q = quality if higher else -quality
    keep = []
    for i in range(len(cost)):
        dominated = any(
            cost[j] <= cost[i] and q[j] >= q[i] and (cost[j] < cost[i] or q[j] > q[i]) for j in range(len(cost))
        )
        keep.append(not dominated)
    return np.array(keep, dtype=bool)


@settings(max_examples=300, deadline=None)
@given(points=st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8)), min_size=1, max_size=40), higher=st.booleans())
def test_frontier_equals_brute_force(points, higher):
    # small integer grids make ties in cost, in quality and in both common
    cost = np.array([p[0] for p in points], dtype=float)
    quality = np.array([p[1] for p in points], dtype=float)
    assert pareto_mask(cost, quality, higher).tolist() == brute_force(cost, quality, higher).tolist()


def test_lower_wer_at_lower_rate_dominates():
    # (Hz, WER): 12.5 Hz 0.05 dominates 25 Hz 0.06; 4 Hz 0.9 is on the frontier (cheapest)
    mask = pareto_mask(np.array([25, 12.5, 6.25, 4]), np.array([0.06, 0.05, 0.3, 0.9]), higher_is_better=False)
    assert mask.tolist() == [False, True, True, True]
