import math

import pytest

from vfr_bench.protocol import RateControl
from vfr_bench.rates import NATIVE, RateSpec, RateSpecError, achieved_hz, parse_rate_spec, parse_rate_specs, rate_error


def test_single_value_means_same_rate_in_and_out():
    assert parse_rate_spec("12.5") == RateSpec(12.5, 12.5)
    assert parse_rate_spec(" 6.25 ").label == "6.25"


def test_in_out_pair_and_native():
    assert parse_rate_spec("6.25:12.5") == RateSpec(6.25, 12.5)
    assert parse_rate_spec("6.25:12.5").label == "6.25:12.5"
    assert parse_rate_spec("native") is NATIVE and NATIVE.label == "native"
    assert parse_rate_spec("NATIVE").is_native


@pytest.mark.parametrize(
    "bad, words",
    [
        ("12.5:abc", "'abc' is not a number"),
        ("-4", "positive"),
        ("0", "positive"),
        ("nan", "positive, finite"),
        ("inf", "positive, finite"),
        ("", "empty"),
        ("1:2:3", "more than one ':'"),
        ("4:0", "positive"),
    ],
)
def test_bad_specs_are_refused_with_the_reason(bad, words):
    with pytest.raises(RateSpecError, match=words.replace("(", r"\(")):
        parse_rate_spec(bad)


def test_list_parsing_keeps_order_and_refuses_duplicates():
    assert [s.label for s in parse_rate_specs("12.5,6.25,5,4,native,6.25:12.5")] == [
        "12.5",
        "6.25",
        "5",
        "4",
        "native",
        "6.25:12.5",
    ]
    with pytest.raises(RateSpecError, match="given twice"):
        parse_rate_specs("12.5,6.25,12.5")
    with pytest.raises(RateSpecError, match="given twice"):  # equal labels would share sample keys
        parse_rate_specs("12.345671,12.345674")


def test_rate_accounting_is_signed_relative_error():
    assert achieved_hz(25, 4.0) == 6.25
    assert achieved_hz(10, 0.0) is None and achieved_hz(None, 1.0) is None
    assert rate_error(6.5, 6.25) == pytest.approx(0.04)
    assert rate_error(6.0, 6.25) == pytest.approx(-0.04)
    assert rate_error(None, 6.25) is None and rate_error(6.0, None) is None


def test_fixed_rate_model_refuses_other_rates_and_accepts_its_own():
    fixed = RateControl("fixed", native_input_hz=12.5, native_output_hz=12.5)
    assert fixed.refusal(parse_rate_spec("12.5")) is None
    assert fixed.refusal(NATIVE) is None
    assert "fixed 12.5 Hz" in fixed.refusal(parse_rate_spec("6.25"))
    assert fixed.resolve(NATIVE) == (12.5, 12.5)


def test_controllable_range_and_threshold_mode():
    ctl = RateControl("controllable", native_input_hz=25, native_output_hz=25, min_hz=4, max_hz=12.5)
    assert ctl.refusal(parse_rate_spec("6.25:12.5")) is None
    assert "outside" in ctl.refusal(parse_rate_spec("25"))
    assert "output rate 3" in ctl.refusal(parse_rate_spec("6.25:3"))
    thr = RateControl("threshold", native_input_hz=None)
    assert "threshold" in thr.refusal(parse_rate_spec("6.25"))
    assert thr.refusal(NATIVE) is None and thr.resolve(NATIVE) == (None, None)
    assert not math.isnan(ctl.resolve(parse_rate_spec("5"))[0])


def test_rate_specs_order_native_first_then_high_to_low_and_a_foreign_label_last():
    from vfr_bench.rates import rate_order

    labels = ["4", "not-a-rate", "6.25:12.5", "native", "12.5", "6.25", "25"]
    assert sorted(labels, key=rate_order) == ["native", "25", "12.5", "6.25:12.5", "6.25", "4", "not-a-rate"]
