"""The HTML report's charts follow the static figures' rules: panels wrapped into rows of at most
three, noise conditions in a robustness chart of their own, every legend entry drawn apart (colour,
marker symbol, dash), rate rising to the right, latency one line per series."""

from __future__ import annotations

import pytest

pytest.importorskip("plotly", reason="the HTML report needs: pip install 'vfr-bench[report]'")

import vfr_bench  # noqa: E402
from tests.figures.studies import MODELS, write_study  # noqa: E402
from vfr_bench.report.html.overview import overview_charts  # noqa: E402


@pytest.fixture(scope="module")
def charts(tmp_path_factory):
    root = tmp_path_factory.mktemp("html-studies")
    noise = [write_study(root / f"noise-{k}", 13, MODELS[:1], seed=k) for k in (1, 2)]
    languages = [write_study(root / f"lang-{k}", 4, MODELS, seed=k) for k in (1, 2)]
    return overview_charts(vfr_bench.load(*noise)), overview_charts(vfr_bench.load(*languages))


def columns(chart) -> int:
    starts = {round(v["domain"][0], 3) for k, v in chart["layout"].items() if k.startswith("xaxis")}
    return len(starts)


def legend_looks(chart) -> dict[str, tuple]:
    looks = {}
    for trace in chart["data"]:
        if trace.get("showlegend", True) is False or trace.get("type") == "box":
            continue
        marker, line = trace.get("marker", {}), trace.get("line", {})
        look = (str(line.get("color") or marker.get("color")), str(marker.get("symbol")), str(line.get("dash")))
        looks.setdefault(trace["name"], look)
    return looks


def test_panels_wrap_and_noise_conditions_have_their_own_chart(charts):
    noise, languages = charts
    titles = [a["text"] for a in noise["pareto_quality_vs_rate"]["layout"]["annotations"]]
    assert titles == ["asr: WER"]  # the 12 conditions are drawn against SNR
    robust = noise["robustness_quality_vs_snr"]
    assert columns(robust) == 3 and robust["layout"]["height"] > noise["pareto_quality_vs_rate"]["layout"]["height"]
    assert columns(languages["pareto_quality_vs_rate"]) == 2  # four tasks: 2 x 2, not four in a row
    by_language = languages["languages_quality_vs_rate"]
    assert columns(by_language) == 3 and len(by_language["data"]) == 8 * 4  # 8 series' panels, 4 languages each


def test_every_legend_entry_is_drawn_apart(charts):
    for made in charts:
        for name, chart in made.items():
            looks = legend_looks(chart)
            assert len(set(looks.values())) == len(looks), (name, looks)
    latency = charts[1]["latency_vs_rate"]
    assert len(latency["data"]) == 8  # one line per series, a suite's four languages pooled
    noise_latency = charts[0]["latency_vs_rate"]["data"]
    assert sorted(t["name"] for t in noise_latency) == sorted(
        f"training-free-dynamic ({run}) / {family}" for run in ("1", "2") for family in ("asr", "asr-noise")
    )


def test_rate_rises_to_the_right_in_the_calibration_chart(charts):
    layout = charts[0]["rate_calibration"]["layout"]
    assert layout["xaxis"]["categoryarray"] == ["4 Hz", "5 Hz", "6.25 Hz", "12.5 Hz"]
