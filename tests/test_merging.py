import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vfr_bench.baselines.training_free import merging


def piecewise_frames(lengths, dim=8, seed=0):
    """Runs of identical frames with random directions: the true boundaries are the run edges."""
    rng = np.random.default_rng(seed)
    return np.concatenate([np.repeat(rng.normal(size=(1, dim)), n, axis=0) for n in lengths]).astype(np.float32)


def test_dynamic_cuts_at_the_lowest_similarity_transitions():
    frames = piecewise_frames([3, 5, 2, 6])
    bounds = merging.dynamic_boundaries(frames, 4)
    assert bounds.tolist() == [0, 3, 8, 10, 16]


def test_group_count_is_round_target_over_base_times_frames():
    assert merging.target_group_count(100, 25, 6.25) == 25
    assert merging.target_group_count(101, 25, 6.25) == 25  # 25.25 rounds down
    assert merging.target_group_count(102, 25, 6.25) == 26  # 25.5: Python rounds half to even
    assert merging.target_group_count(3, 25, 4) == 1  # never fewer than one group
    assert merging.target_group_count(3, 25, 100) == 3  # never more groups than frames


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), target=st.sampled_from([12.5, 6.25, 5.0, 4.0, 1.0]), seed=st.integers(0, 10_000))
def test_dynamic_hits_the_group_count_exactly(n, target, seed):
    frames = np.random.default_rng(seed).normal(size=(n, 6)).astype(np.float32)
    bounds = merging.dynamic_boundaries(frames, merging.target_group_count(n, 25, target))
    assert bounds[0] == 0 and bounds[-1] == n and np.all(np.diff(bounds) > 0)
    assert len(bounds) - 1 == merging.target_group_count(n, 25, target)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), span=st.integers(1, 20), seed=st.integers(0, 10_000))
def test_max_span_caps_every_group_and_only_adds_groups(n, span, seed):
    frames = np.random.default_rng(seed).normal(size=(n, 4)).astype(np.float32)
    target = merging.target_group_count(n, 25, 4.0)
    bounds = merging.dynamic_boundaries(frames, target, max_span=span)
    assert np.all(np.diff(bounds) <= span) and np.all(np.diff(bounds) > 0)
    assert len(bounds) - 1 >= target


def test_uniform_patching_uses_fixed_patches_in_time():
    assert merging.uniform_boundaries(16, 25, 6.25).tolist() == [0, 4, 8, 12, 16]
    assert merging.uniform_boundaries(10, 25, 6.25).tolist() == [0, 4, 8, 10]  # last patch shorter
    assert np.diff(merging.uniform_boundaries(50, 25, 5)).tolist() == [5] * 10
    assert merging.uniform_boundaries(2, 25, 1).tolist() == [0, 2]


def test_threshold_cuts_where_similarity_drops():
    frames = piecewise_frames([4, 4, 4], seed=3)
    assert merging.threshold_boundaries(frames, 0.999).tolist() == [0, 4, 8, 12]
    assert merging.threshold_boundaries(frames, -2.0).tolist() == [0, 12]  # nothing is below -2


def test_merge_then_expand_keeps_length_and_averages_each_group():
    frames = np.arange(12, dtype=np.float32).reshape(6, 2)
    bounds = np.array([0, 2, 5, 6])
    merged = merging.merge(frames, bounds)
    np.testing.assert_allclose(merged, [[1, 2], [6, 7], [10, 11]])
    assert merging.expand(merged, bounds).shape == frames.shape


def test_silent_frames_count_as_identical():
    frames = np.zeros((5, 3), dtype=np.float32)
    assert np.all(merging.adjacent_cosine_similarity(frames) == 1.0)
    assert len(merging.dynamic_boundaries(frames, 2)) == 3


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        merging.dynamic_boundaries(np.zeros((0, 3)), 1)
    with pytest.raises(ValueError):
        merging.split_long_groups(np.array([0, 4]), 0)
