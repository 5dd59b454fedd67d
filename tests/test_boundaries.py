"""Boundary precision: unit boundaries against the ASR judge's word times on the input, beside the
chance level of a uniform patcher with as many units."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from tests.allocation_helpers import SAMPLE_RATE, padded_speech
from vfr_bench.metrics import get_metric
from vfr_bench.metrics.boundaries import chance_boundaries, hits, word_edges
from vfr_bench.metrics.context import ScoringContext
from vfr_bench.records import SampleRecord


def test_hits_count_boundaries_within_the_tolerance_of_an_edge():
    edges = np.array([0.5, 1.0, 2.0])
    assert hits(np.array([0.46, 0.55, 1.04, 1.5, 2.1]), edges) == 2
    assert hits(np.array([3.0]), np.array([2.97])) == 1 and hits(np.array([]), edges) == 0
    assert list(chance_boundaries(4, 2.0)) == [0.5, 1.0, 1.5]


def test_a_frame_grid_is_not_favoured_over_the_chance_grid():
    """Word times in 20 ms steps: a boundary on a 40 ms grid and one between steps see as many edges."""
    rng = np.random.default_rng(0)
    steps = np.arange(0, 200, 0.02)
    edges = np.sort(steps[rng.random(len(steps)) < 0.3])  # word edges on three steps in ten
    on_grid = np.arange(0.04, 199.9, 0.04)  # a model's boundaries on its 25 Hz frames
    off_grid = on_grid + 0.013  # a chance grid's, between steps
    rates = [hits(b, edges, 0.04) / len(b) for b in (on_grid, off_grid)]
    # compared unrounded, the frame grid would see five steps to the chance grid's four: 0.83 against 0.76
    assert rates[0] == pytest.approx(1 - 0.7**5, abs=0.02) and rates[1] == pytest.approx(rates[0], abs=0.02)
    sparse = np.array([1.0, 2.0])
    assert hits(np.array([1.04, 1.06, 2.03, 2.05]), sparse) == 3  # 2.03 rounds to 2.04: within two steps


def test_boundaries_on_word_edges_beat_the_uniform_chance_level(tmp_path):
    pytest.importorskip("faster_whisper", reason="the ASR judge (Whisper tiny.en) needs the builtin extra")
    audio = padded_speech()
    sf.write(tmp_path / "in.wav", audio, SAMPLE_RATE)
    seconds = len(audio) / SAMPLE_RATE
    ctx = ScoringContext(tmp_path)
    base = SampleRecord(model="m", rate_spec="x", task="asr", sample_id="s", status="ok", input_seconds=seconds,
                        source_audio=str(tmp_path / "in.wav"), language="en")  # fmt: skip
    edges = word_edges(base, ctx)
    assert len(edges) >= 2 * 10  # the reading's thirteen words, start and end
    cuts = [0.0, *sorted(set(np.round(edges, 3).tolist()) - {0.0}), seconds]
    on_words = base.model_copy(update={"input_unit_spans": [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]})
    precision = get_metric("boundary_precision").compute(on_words, ctx)
    chance = get_metric("boundary_precision_chance").compute(on_words, ctx)
    assert precision is not None and chance is not None
    assert precision.value == 1.0 and chance.value < 0.6
    assert (tmp_path / "judge_cache" / "word_times.jsonl").is_file()  # the judge ran once; its times are kept
