"""A latency cell measured on a busy machine (a 51x speed-up against an ideal of 3.1x) is flagged as
unstable in the figure and the tables, never printed as a result."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="figures need: pip install 'vfr-bench[report]'")

import matplotlib.pyplot as plt  # noqa: E402

import vfr_bench  # noqa: E402
from tests.figures.studies import MODELS, write_study  # noqa: E402
from vfr_bench.stability import unstable_cells, unstable_reason  # noqa: E402


def test_the_rule_names_an_implausible_speedup_and_a_wide_spread():
    assert unstable_reason(1.0, 1.2, 2.0, 2.0) is None
    assert "speed-up 51.0x against an ideal 2x" == unstable_reason(0.02, 0.021, 51.0, 2.0)
    assert "p95 is 4.0x p50" == unstable_reason(1.0, 4.0, 1.0, 2.0)
    assert set(unstable_cells({12.5: (1.0, 1.1), 6.25: (0.5, 0.55), 4.0: (0.02, 0.021)})) == {4.0}


def test_an_implausible_cell_is_off_the_line_and_unstable_in_the_tables(tmp_path):
    run = write_study(tmp_path / "busy", 1, MODELS[:1], time_scale={4.0: 1 / 40})
    results = vfr_bench.load(run)
    fig = results.latency()
    ideal = [line for line in fig.axes[-1].get_lines() if line.get_gid() == "ideal"][0]
    speedup = [line for line in fig.axes[-1].get_lines() if line.get_label() == results.labels[0]][0]
    ys = speedup.get_ydata()
    assert list(speedup.get_xdata()) == [4.0, 5.0, 6.25, 12.5] and np.isnan(ys[0])  # 4 Hz is not a result
    assert np.nanmax(ys) < max(ideal.get_ydata())
    assert [line.get_xdata()[0] for line in fig.axes[-1].get_lines() if line.get_gid() == "unstable"] == [4.0]
    assert fig.axes[-1].get_ylim()[1] < 10  # the 40x cell does not set the scale
    plt.close(fig)
    md = results.to_markdown(["wer", "t_total_p50"])
    row = next(line for line in md.splitlines() if line.startswith(f"| {results.labels[0]} | asr | 4 |"))
    assert row.rstrip(" |").endswith("unstable")
    assert "not a result" in md
    assert "unstable" in results.to_latex(["wer", "t_total_p50"])
    steady = [line for line in md.splitlines() if "| asr | 12.5 |" in line][0]
    assert "unstable" not in steady


def test_the_html_table_says_unstable_and_prints_rate_errors_in_percent(tmp_path):
    from vfr_bench.report.html.overview import overview_table

    results = vfr_bench.load(write_study(tmp_path / "busy", 1, MODELS[:1], time_scale={4.0: 1 / 40}))
    table = overview_table(results)
    rows = {row["rate"]: row for row in table["rows"]}
    assert rows["4"]["cells"]["t_total_p50"] == [None, None, None]
    assert "speed-up" in rows["4"]["unstable"]["t_total_p50"]
    assert rows["12.5"]["unstable"] == {} and rows["12.5"]["cells"]["t_total_p50"][0] is not None
    units = {c["key"]: c["unit"] for c in table["columns"]}
    assert units["input_rate_abs_error"] == "%"
    summary = results.summary.query("metric == 'input_rate_abs_error' and rate_spec == '12.5'")["value"].iloc[0]
    assert rows["12.5"]["cells"]["input_rate_abs_error"][0] == pytest.approx(100 * summary)


def test_the_latency_labs_table_marks_the_implausible_cell():
    from vfr_bench.latency.lab_run import summary_table
    from vfr_bench.records import SummaryRow

    def row(hz: float, metric: str, value: float) -> SummaryRow:
        return SummaryRow(model="flexislm-7b", task="latency-lab", rate_spec=f"{hz:g}", requested_input_hz=hz,
                          requested_output_hz=hz, metric=metric, value=value, n=5, aggregation="p50")  # fmt: skip

    rows = [row(hz, m, v) for hz, p50 in ((25.0, 1.0), (12.5, 0.5), (6.25, 0.02)) for m, v in
            (("t_total_p50", p50), ("t_total_p95", p50 * 1.1))]  # fmt: skip
    table = {r["rate"]: r for r in summary_table(rows)}
    assert table["6.25"]["unstable"] == "speed-up 50.0x against an ideal 4x"
    assert table["12.5"]["unstable"] is None and table["25"]["unstable"] is None
