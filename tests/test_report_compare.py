"""Comparing runs in a report: every (run, model) is a series of its own, labelled from its manifest
or --label, and never merged with another; figure elements read back from the figure objects."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="report needs: pip install 'vfr-bench[report]'")

import matplotlib.pyplot as plt  # noqa: E402

from tests.report_runs import assert_no_overlap_inside_axes, write_quality_run  # noqa: E402
from vfr_bench.report import style  # noqa: E402
from vfr_bench.report.build import build_report  # noqa: E402
from vfr_bench.report.fig_calibration import P95_GID, calibration_figure  # noqa: E402
from vfr_bench.report.fig_latency import IDEAL_LABEL, latency_figure  # noqa: E402
from vfr_bench.report.fig_pareto import pareto_figure  # noqa: E402
from vfr_bench.report.points import points, run_series, series_samples
from vfr_bench.report.series import LabelError, parse_labels  # noqa: E402
from vfr_bench.run_view import load_run  # noqa: E402

CLI = str(Path(sys.executable).parent / "vfr-bench")
FLEXI = (("flexislm-7b", 1.0),)


@pytest.fixture(scope="module")
def two_checkpoints(tmp_path_factory):
    """One model name, two runs: checkpoint A and a worse checkpoint B (steeper WER, slower)."""
    root = tmp_path_factory.mktemp("compare")
    a = write_quality_run(root / "run-a", FLEXI, seed=1, checkpoint="ckpt-a")
    b = write_quality_run(root / "run-b", (("flexislm-7b", 2.0),), seed=2, time_per_hz=0.13, checkpoint="ckpt-b")
    return a, b


def csv_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_two_runs_of_one_model_are_two_series_in_tables_and_figures(two_checkpoints, tmp_path):
    a, b = two_checkpoints
    build_report([a, b], tmp_path / "rep")
    rows = csv_rows(tmp_path / "rep" / "results.csv")
    assert len(rows) == 6  # 3 rates x 2 runs: nothing merged
    assert {r["label"] for r in rows} == {"flexislm-7b (ckpt-a)", "flexislm-7b (ckpt-b)"}
    for run in (a, b):  # each run's own value in its own row
        summary = {(r["rate_spec"], r["metric"]): r["value"] for r in csv_rows(run / "summary.csv")}
        mine = [r for r in rows if r["run"] == str(run)]
        assert {r["rate"]: float(r["t_total_p50"]) for r in mine} == {
            rate: float(summary[(rate, "t_total_p50")]) for rate in ("12.5", "6.25", "4")
        }
    md = (tmp_path / "rep" / "results.md").read_text()
    assert md.count("| flexislm-7b (ckpt-a) |") == 3 and md.count("| flexislm-7b (ckpt-b) |") == 3
    assert "| flexislm-7b (ckpt-b) | flexislm-7b | " in (tmp_path / "rep" / "README.md").read_text()


def test_series_look_different_and_the_legend_names_each(two_checkpoints):
    runs = [load_run(p) for p in two_checkpoints]
    series = run_series(runs)
    fig = pareto_figure(points(runs, series), "achieved_hz")
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert texts[:2] == ["flexislm-7b (ckpt-a)", "flexislm-7b (ckpt-b)"]
    first, second = series.values()
    assert first.colour == style.colour("flexislm-7b") and second.colour != first.colour
    joined = [line for line in fig.axes[0].get_lines() if line.get_gid() == "rate-order-line"]
    assert sorted(line.get_color() for line in joined) == sorted([first.colour, second.colour])
    plt.close(fig)


def test_labels_without_a_checkpoint_fall_back_to_the_run_id(tmp_path):
    a = write_quality_run(tmp_path / "monday", FLEXI, seed=1)
    b = write_quality_run(tmp_path / "tuesday", FLEXI, seed=2)
    runs = [load_run(a), load_run(b)]
    assert [s.label for s in run_series(runs).values()] == ["flexislm-7b (monday)", "flexislm-7b (tuesday)"]
    named = run_series(runs, parse_labels([f"{a}=baseline", f"{b}=candidate"]))
    assert [s.label for s in named.values()] == ["baseline", "candidate"]


def test_labels_that_would_merge_two_series_are_refused(two_checkpoints, tmp_path):
    a, b = two_checkpoints
    runs = [load_run(a), load_run(b)]
    with pytest.raises(LabelError, match="would be drawn as one"):
        run_series(runs, parse_labels([f"{a}=same", f"{b}=same"]))
    with pytest.raises(LabelError, match="names no run"):
        run_series(runs, parse_labels([f"{tmp_path}=x"]))
    with pytest.raises(LabelError, match="RUN_DIR=NAME"):
        parse_labels(["no-equals-sign"])


def test_cli_report_labels_and_names_the_folder_after_the_runs(two_checkpoints, tmp_path):
    a, b = two_checkpoints
    done = subprocess.run(
        [CLI, "report", str(a), str(b), "--label", f"{a}=A", "--label", f"{b}=B"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = tmp_path / "reports" / "run-a_vs_run-b"
    assert {r["label"] for r in csv_rows(out / "results.csv")} == {"A", "B"}
    same = subprocess.run([CLI, "report", str(a), str(a)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert same.returncode != 0 and "more than once" in same.stderr


def test_latency_axis_joins_a_series_only_in_rate_order_and_labels_each_rate(two_checkpoints):
    runs = [load_run(p) for p in two_checkpoints]
    series = run_series(runs)
    pts = points(runs, series)
    # make ckpt-b's 6.25 Hz slower than its 12.5 Hz: its time order is no longer its rate order
    slow = max(p.t_total_p50 for p in pts) * 1.5
    pts = [p if not (p.series.label.endswith("(ckpt-b)") and p.rate_spec == "6.25") else _with(p, slow) for p in pts]
    fig = pareto_figure(pts, "t_total_p50")
    ax = fig.axes[0]
    joined = [line.get_color() for line in ax.get_lines() if line.get_gid() == "rate-order-line"]
    assert joined == [style.colour("flexislm-7b")]  # ckpt-a still joined, ckpt-b not
    labels = [t for t in ax.texts if t.get_gid() == "rate-label"]
    assert sorted(t.get_text() for t in labels) == sorted(["12.5", "6.25", "4"] * 2)
    assert_no_overlap_inside_axes(fig, ax, labels)
    renderer = fig.canvas.get_renderer()
    for p in pts:  # no label covers a point's marker
        x, y = ax.transData.transform((p.t_total_p50, p.value))
        assert not any(t.get_window_extent(renderer).contains(x, y) for t in labels), p
    plt.close(fig)


def _with(p, t_total):
    from dataclasses import replace

    return replace(p, t_total_p50=t_total)


def test_frontier_steps_inside_the_cis_are_banded(two_checkpoints):
    runs = [load_run(p) for p in two_checkpoints]
    pts = points(runs, run_series(runs))
    fig = pareto_figure(pts, "t_total_p50")
    front = sorted((p for p in pts if _on_front(p, pts)), key=lambda p: p.t_total_p50)
    expected = sum(
        1 for x, y in zip(front, front[1:]) if x.ci_low <= y.value <= x.ci_high or y.ci_low <= x.value <= y.ci_high
    )
    bands = [line for line in fig.axes[0].get_lines() if line.get_gid() == "frontier-overlap"]
    assert len(bands) == expected
    plt.close(fig)


def _on_front(p, pts):
    return not any(
        q.t_total_p50 <= p.t_total_p50 and q.value <= p.value and (q.t_total_p50, q.value) != (p.t_total_p50, p.value)
        for q in pts
    )


def test_calibration_plots_the_signed_error_one_colour_per_series(two_checkpoints):
    runs = [load_run(p) for p in two_checkpoints]
    groups = series_samples(runs, run_series(runs))
    fig = calibration_figure(groups)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["12.5", "6.25", "4"]
    assert any(line.get_gid() == "zero" and line.get_ydata()[0] == 0 for line in ax.get_lines())
    colours = {patch.get_gid(): patch.get_facecolor()[:3] for patch in ax.patches if patch.get_gid()}
    assert len(colours) == 2 and len(set(colours.values())) == 2
    marks = [line.get_ydata()[0] for line in ax.get_lines() if line.get_gid() == P95_GID]
    expected = []
    for _, samples in groups:
        for hz in (12.5, 6.25, 4.0):
            errs = 100 * np.array([s.input_rate_error for s in samples if s.requested_input_hz == hz])
            expected.append(np.percentile(np.abs(errs), 95))
    assert sorted(abs(m) for m in marks) == pytest.approx(sorted(expected))
    plt.close(fig)


def test_latency_ticks_fall_on_the_rates_run_and_the_ideal_is_drawn(two_checkpoints):
    runs = [load_run(p) for p in two_checkpoints]
    fig, drawn = latency_figure(series_samples(runs, run_series(runs)))
    for ax in fig.axes:
        assert [t.get_text() for t in ax.get_xticklabels()] == ["4", "6.25", "12.5"]
    ideal = [line for line in fig.axes[-1].get_lines() if line.get_label() == IDEAL_LABEL]
    assert ideal and list(ideal[0].get_ydata()) == pytest.approx([12.5 / 4, 12.5 / 6.25, 1.0])
    assert set(drawn) == {"flexislm-7b (ckpt-a)", "flexislm-7b (ckpt-b)"}
    plt.close(fig)


def test_legends_use_the_style_font_and_fit_the_figure(two_checkpoints):
    style.apply()
    runs = [load_run(p) for p in two_checkpoints]
    fig, _ = latency_figure(series_samples(runs, run_series(runs)))
    legend = fig.legends[0]
    assert {t.get_fontsize() for t in legend.get_texts()} == {7.0} == {plt.rcParams["legend.fontsize"]}
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    assert legend.get_window_extent(renderer).width <= fig.bbox.width
    plt.close(fig)


def test_the_judge_ceiling_is_a_line_and_a_table_row_not_a_series(tmp_path):
    import vfr_bench
    from vfr_bench.records import ScoreRecord
    from vfr_bench.report import tables
    from vfr_bench.report.series import CEILING_MODEL
    from vfr_bench.run_dir import RunDirectory
    from vfr_bench.scoring.summary import summarise

    run = RunDirectory(write_quality_run(tmp_path / "run", FLEXI))
    ceiling = [  # as scoring/ceiling.py writes them: 11 of 12 spoken answers heard right
        ScoreRecord(model=CEILING_MODEL, rate_spec="native", task="asr", sample_id=f"s{i}", metric="wer",
                    metric_version="1", value=float(i == 0), numerator=float(i == 0), denominator=1.0)
        for i in range(12)
    ]  # fmt: skip
    run.append_scores(ceiling)
    run.write_summary(summarise(run.scores()))
    results = vfr_bench.load(run.path)
    assert CEILING_MODEL not in {s.model for s in results.series.values()}
    fig = results.pareto()
    line = next(x for x in fig.axes[0].get_lines() if x.get_gid() == "judge-ceiling")
    assert list(line.get_ydata()) == pytest.approx([1 / 12, 1 / 12])
    assert "judge ceiling (95% CI)" in [t.get_text() for t in fig.legends[0].get_texts()]
    table = results.table(["wer"])
    last = table.iloc[-1]
    assert (last["label"], last["rate"], last["wer"]) == ("judge ceiling", "native", pytest.approx(1 / 12))
    assert len(table) - 1 not in tables.best_rows(table, ["wer"]).get("wer", ())  # a bound, never "best"
    plt.close(fig)


def test_published_numbers_stay_on_their_own_task(two_checkpoints):
    from vfr_bench.report.points import load_reported

    runs = [load_run(p) for p in two_checkpoints]  # task "asr": the built-in read speech, not LibriSpeech
    reported = load_reported(Path(__file__).resolve().parents[1] / "results" / "reported" / "flexislm_readme.csv")
    fig = pareto_figure(points(runs, run_series(runs)), "achieved_hz", reported)
    assert not [line for line in fig.axes[0].get_lines() if "reported:" in line.get_label()]
    plt.close(fig)


def test_a_latency_lab_report_has_no_calibration_figure(tmp_path):
    lab = Path(__file__).resolve().parents[1] / "results" / "examples" / "h200-latency-lab" / "thinkers"
    made = [name for name, _ in build_report([lab], tmp_path / "rep")]
    assert "latency_vs_rate.pdf" in made and "rate_calibration.pdf" not in made


def test_a_published_number_must_name_a_known_task(tmp_path):
    from vfr_bench.report.points import load_reported

    bad = tmp_path / "reported.csv"
    bad.write_text("source,model,input_hz,output_hz,task,metric,value\npaper,m,12.5,12.5,librispeech-clean,wer,2\n")
    with pytest.raises(ValueError, match=r"reported.csv:2: unknown task 'librispeech-clean'"):
        load_reported(bad)


def test_same_checkpoint_names_fall_to_the_weights_that_tell_them_apart(tmp_path):
    """Two fine-tunes saved under one checkpoint name differ in their weights' hash: that names them."""
    runs = []
    for name, digest in (("a", "1" * 64), ("b", "2" * 64)):
        path = write_quality_run(tmp_path / name, FLEXI, checkpoint="flexislm-7b-stage2")
        manifest = json.loads((path / "manifest.json").read_text())
        manifest["models"]["flexislm-7b"]["weights_sha256"] = digest
        (path / "manifest.json").write_text(json.dumps(manifest))
        runs.append(load_run(path))
    labels = [s.label for s in run_series(runs).values()]
    assert labels == ["flexislm-7b (111111111111)", "flexislm-7b (222222222222)"]
