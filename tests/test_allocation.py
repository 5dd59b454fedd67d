"""Speech and silence allocation: unit spans checked where they enter, and the known answers (a
uniform patcher spends the same rate on speech and silence; a model that puts every unit on speech
spends next to none on silence), on real speech found by the real VAD."""

from __future__ import annotations

import numpy as np
import pytest

from tests.allocation_helpers import PAD_S, SAMPLE_RATE, padded_speech
from vfr_bench.baselines.training_free import merging
from vfr_bench.metrics.allocation import allocate
from vfr_bench.metrics.speech_activity import detect_speech, load_vad, overlaps
from vfr_bench.unit_spans import check_spans, clip_spans, spans_from_lengths, uniform_spans

pytest.importorskip("silero_vad", reason="silero-vad (the metrics extra) is not installed")


@pytest.fixture(scope="module")
def speech():
    audio = padded_speech()
    return audio, detect_speech(load_vad(), audio), len(audio) / SAMPLE_RATE


def test_vad_finds_the_sentence_between_the_silences(speech):
    _audio, segments, seconds = speech
    assert segments, "the VAD found no speech in a spoken sentence"
    assert segments[0][0] == pytest.approx(PAD_S, abs=0.15)
    assert segments[-1][1] == pytest.approx(seconds - PAD_S, abs=0.15)


@pytest.mark.parametrize("hz", [12.5, 6.25, 4.0])
def test_uniform_patcher_spends_the_same_rate_on_speech_and_silence(speech, hz):
    _audio, segments, seconds = speech
    frames = int(np.ceil(seconds * 25))
    spans = merging.group_spans(merging.uniform_boundaries(frames, 25.0, hz), 25.0, 0.0, seconds)
    found = allocate(spans, segments, seconds)
    # every class gets `hz` units per second, up to one unit: the last patch, cut short by the end of
    # the audio, counts whole (so 3 s of silence runs up to 1/3 Hz above the request)
    assert abs(found.speech_units - hz * found.speech_seconds) <= 1.0
    assert abs(found.silence_units - hz * found.silence_seconds) <= 1.0
    assert found.hz(True) == pytest.approx(found.hz(False), abs=1.0 / min(found.speech_seconds, found.silence_seconds))


def test_a_model_that_puts_all_units_on_speech_spends_next_to_none_on_silence(speech):
    _audio, segments, seconds = speech
    spans = [(a, b) for start, end in segments for a, b in zip(*(np.linspace(start, end, 41)[i:][:40] for i in (0, 1)))]
    found = allocate([(float(a), float(b)) for a, b in spans], segments, seconds)
    assert found.hz(False) == pytest.approx(0.0, abs=1e-9)
    assert found.silence_units == pytest.approx(0.0, abs=1e-9)
    assert found.hz(True) > 5


def test_a_unit_across_the_edge_of_speech_is_split_by_time():
    found = allocate([(0.0, 1.0), (1.0, 3.0)], [(0.5, 2.0)], 3.0)
    assert found.speech_units == pytest.approx(0.5 + 0.5)
    assert found.speech_seconds == pytest.approx(1.5) and found.silence_seconds == pytest.approx(1.5)
    assert overlaps([(0.0, 1.0)], [(0.2, 0.4), (0.3, 0.6)])[0] == pytest.approx(0.4)  # overlapping segments merged


def test_spans_from_lengths_and_clipping():
    spans = clip_spans(spans_from_lengths([2, 3, 1], 25.0, offset_s=1.0), 1.22)
    assert spans == [(1.0, 1.08), (1.08, 1.2), (1.2, 1.22)]
    fixed = uniform_spans(3, 0.04, 0.1)
    assert fixed is not None and np.allclose(fixed, [(0.0, 0.04), (0.04, 0.08), (0.08, 0.1)])
    assert uniform_spans(4, 0.04, 0.1) is None  # a fourth 40 ms position would start past 0.1 s


@pytest.mark.parametrize(
    ("spans", "n", "seconds", "message"),
    [
        ([(0.0, 0.5)], 2, 1.0, "1 input unit spans for 2"),
        ([(0.0, 0.5), (0.5, 1.5)], 2, 1.0, "after the 1 s of input audio"),
        ([(0.0, 0.6), (0.4, 1.0)], 2, 1.0, "before span 0 ends"),
        ([(0.5, 0.5)], 1, 1.0, "not a stretch of time"),
        ([(0.0, float("nan"))], 1, 1.0, "not a stretch of time"),
        ([(0.0, 0.5, 0.7)], 1, 1.0, "not (start, end)"),
        ([(0.0, 0.5)], None, 1.0, "no count of input units"),
    ],
)
def test_unit_spans_that_do_not_fit_are_refused(spans, n, seconds, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_spans(spans, n, seconds)


def test_vfr_bench_check_refuses_a_record_whose_spans_do_not_fit(tmp_path):
    """The span rules are the answer rules `vfr-bench check` applies to every ok record too."""
    from vfr_bench.answer_rules import answer_problems

    fields = {"n_input_tokens": 2, "input_seconds": 1.0, "timings": {"t_total": 1.0}}
    assert answer_problems({**fields, "input_unit_spans": [[0.0, 0.5], [0.5, 1.0]]}) == []
    problems = answer_problems({**fields, "input_unit_spans": [[0.0, 0.5], [0.5, 1.5]]})
    assert problems == ["input unit span 1 ends at 1.5 s, after the 1 s of input audio"]
