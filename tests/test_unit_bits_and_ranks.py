"""Bits per second from declared alphabets, Spearman's rho with its bootstrap CI, and phone counts."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from pydantic import ValidationError

from vfr_bench.metrics import get_metric
from vfr_bench.metrics.phones import count_phones
from vfr_bench.metrics.speaking_rate import words
from vfr_bench.records import SampleRecord
from vfr_bench.stats import aggregate, bootstrap_ci, spearman_rows
from vfr_bench.token_alphabet import CONTINUOUS, TokenAlphabet


def _record(**fields) -> SampleRecord:
    return SampleRecord(model="m", rate_spec="6.25", task="t", sample_id="s", status="ok", **fields)


def test_bits_per_second_count_content_and_duration_apart():
    # a FlexiSLM-like output step: one code of 16384 and one of 16 duration classes, at 5 Hz
    rec = _record(achieved_output_hz=5.0, output_alphabet=TokenAlphabet(codebooks=(16384,), duration_classes=16))
    names = ("output_bits_per_second", "output_content_bits_per_second", "output_duration_bits_per_second")
    value = {n: get_metric(n).compute(rec, None).value for n in names}  # type: ignore[arg-type,union-attr]
    assert value["output_content_bits_per_second"] == pytest.approx(5 * 14)
    assert value["output_duration_bits_per_second"] == pytest.approx(5 * 4)
    assert value["output_bits_per_second"] == pytest.approx(5 * 18)


def test_a_patched_step_carries_every_codebook_of_its_frames():
    rec = _record(achieved_input_hz=6.25, input_alphabet=TokenAlphabet(codebooks=(1024,) * 8 * 4))
    assert get_metric("input_bits_per_second").compute(rec, None).value == pytest.approx(6.25 * 320)  # type: ignore[arg-type,union-attr]
    assert get_metric("input_duration_bits_per_second").compute(rec, None).value == 0.0  # type: ignore[arg-type,union-attr]


def test_continuous_and_undeclared_sides_have_no_bits():
    for rec in (_record(achieved_input_hz=12.5, input_alphabet=CONTINUOUS), _record(achieved_input_hz=12.5)):
        assert get_metric("input_bits_per_second").compute(rec, None) is None  # type: ignore[arg-type]
    assert not get_metric("input_bits_per_second").applies_to(_record(achieved_input_hz=12.5))


@pytest.mark.parametrize(
    "fields",
    [{"continuous": True, "codebooks": (1024,)}, {}, {"codebooks": (1,)}, {"codebooks": (8,), "duration_classes": 1}],
)
def test_an_alphabet_that_says_nothing_countable_is_refused(fields):
    with pytest.raises(ValidationError):
        TokenAlphabet(**fields)


def test_spearman_matches_the_textbook_with_ties():
    scipy_stats = pytest.importorskip("scipy.stats", reason="scipy (through librosa) gives the reference values")
    rng = np.random.default_rng(1)
    x = rng.integers(0, 5, size=40).astype(float)  # many ties
    y = x + rng.normal(0, 2, size=40)
    expected = scipy_stats.spearmanr(x, y).statistic
    assert spearman_rows(x[None], y[None])[0] == pytest.approx(expected, abs=1e-12)
    value = aggregate("spearman", y / x.clip(1), y, x)
    assert value == pytest.approx(expected, abs=1e-12)
    low, high = bootstrap_ci("spearman", y / x.clip(1), y, x)
    assert low is not None and high is not None and low < value < high


def test_ranks_with_ties_are_averaged_row_by_row():
    from vfr_bench.stats import average_ranks

    assert average_ranks(np.array([[3.0, 1.0, 3.0, 2.0], [1.0, 1.0, 1.0, 0.0]])).tolist() == [
        [3.5, 1.0, 3.5, 2.0], [3.0, 3.0, 3.0, 1.0]
    ]  # fmt: skip


def test_spearman_is_undefined_on_too_few_or_constant_samples():
    two = np.array([1.0, 2.0])
    assert aggregate("spearman", two, two, two) is None
    flat = np.ones(5)
    assert aggregate("spearman", flat, np.arange(5.0), flat) is None
    assert aggregate("spearman", flat, np.arange(5.0), -np.arange(5.0)) == pytest.approx(-1.0)


def test_phones_count_segments_not_marks():
    # espeak-ng's IPA for "the quick brown fox jumped": stress and length marks are not phones;
    # diphthongs and affricates, joined or not, are one phone each
    assert count_phones("ðə kwˈɪk bɹˈaʊn fˈɑːks dʒˈʌmpt") == 2 + 4 + 4 + 4 + 5
    assert count_phones("d\u200dʒˈʌmpt") == count_phones("dʒˈʌmpt") == 5
    assert words("Don't stop, it's 10 o'clock.") == 5


def test_phones_through_espeak_ng():
    pytest.importorskip("piper.espeakbridge", reason="piper-tts (the builtin extra) bundles espeak-ng")
    from vfr_bench.metrics.phones import phones

    assert phones("The quick brown fox jumped over it, twice.") == 29
    with pytest.raises(ValueError, match="no voice"):
        phones("hello", "xx-nonexistent")


def test_allocation_metrics_are_listed_with_kind_and_unit():
    for name, unit in {"achieved_hz_speech": "Hz", "achieved_hz_silence": "Hz", "speaking_rate_phones": "phones/s",
                       "rate_vs_speaking_rate": "rho", "input_bits_per_second": "bit/s"}.items():  # fmt: skip
        metric = get_metric(name)
        assert metric.kind == "allocation" and metric.unit == unit
    assert get_metric("silence_unit_share").scale == "fraction"
    assert math.isclose(TokenAlphabet(codebooks=(1024, 1024)).content_bits or 0, 20.0)


@pytest.mark.parametrize(
    ("module", "check", "hint"),
    [("silero_vad", "vfr_bench.metrics.speech_activity:check_vad", "vfr-bench[metrics]"),
     ("piper", "vfr_bench.metrics.phones:check_phonemiser", "vfr-bench[builtin]")],
)  # fmt: skip
def test_a_missing_vad_or_phonemiser_says_what_to_install(monkeypatch, module, check, hint):
    import importlib
    import sys

    from vfr_bench.metrics.base import MetricUnavailable

    for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)  # import fails as where it is not installed
    path, func = check.split(":")
    with pytest.raises(MetricUnavailable, match=re.escape(hint)):
        getattr(importlib.import_module(path), func)()
