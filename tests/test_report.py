"""Reports: figures read back from the figure objects, tables against summary.csv, the overlay."""

import csv
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="report needs: pip install 'vfr-bench[report]'")

import matplotlib.pyplot as plt  # noqa: E402

import vfr_bench  # noqa: E402
from tests.report_runs import assert_no_overlap_inside_axes, write_quality_run  # noqa: E402
from vfr_bench.report import style  # noqa: E402
from vfr_bench.report.build import build_report  # noqa: E402
from vfr_bench.report.fig_latency import latency_figure  # noqa: E402
from vfr_bench.report.fig_pareto import pareto_figure  # noqa: E402
from vfr_bench.report.pareto import pareto_mask  # noqa: E402
from vfr_bench.report.points import load_reported, points, run_series, series_samples
from vfr_bench.run_dir import RunDirError  # noqa: E402
from vfr_bench.run_view import load_run  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "results" / "examples" / "h200-latency-lab"
REPORTED = REPO / "results" / "reported" / "flexislm_readme.csv"


@pytest.fixture(scope="module")
def quality_run(tmp_path_factory):
    """Two models x three rates x 12 utterances, with WER rising as the rate falls."""
    return write_quality_run(tmp_path_factory.mktemp("run"))


def summary_rows(path):
    with open(path / "summary.csv", newline="") as f:
        return list(csv.DictReader(f))


def quality_points(*paths):
    runs = [load_run(p) for p in paths]
    return points(runs, run_series(runs))


def test_pareto_series_frontier_and_fading_read_back(quality_run):
    pts = quality_points(quality_run)
    fig = pareto_figure(pts, "achieved_hz")
    ax = fig.axes[0]
    summary = {(r["model"], r["rate_spec"], r["metric"]): float(r["value"]) for r in summary_rows(quality_run)}
    joined = [line for line in ax.get_lines() if line.get_gid() == "rate-order-line"]
    for model in ("flexislm-7b", "training-free-uniform"):
        line = next(x for x in joined if x.get_color() == style.colour(model))
        rates = ("4", "6.25", "12.5")  # joined in rate order
        assert list(line.get_ydata()) == pytest.approx([summary[(model, s, "wer")] for s in rates])
        assert list(line.get_xdata()) == pytest.approx([summary[(model, s, "achieved_input_hz")] for s in rates])
    labels = fig.legends[0].get_texts()
    assert [t.get_text() for t in labels][:2] == ["flexislm-7b", "training-free-uniform"]
    lines = {line.get_label(): line for line in ax.get_lines()}
    cost = np.array([p.achieved_hz for p in pts])
    wer = np.array([p.value for p in pts])
    mask = pareto_mask(cost, wer, higher_is_better=False)
    front = lines["Pareto frontier"]
    assert sorted(front.get_xdata()) == pytest.approx(sorted(cost[mask]))
    faded = [c for c in ax.containers if c.lines[0].get_alpha() == 0.35]
    assert len(faded) == int((~mask).sum())
    plt.close(fig)


def test_reported_overlay_is_labelled_and_never_moves_measured_points(quality_run):
    pts = [replace(p, task="librispeech-test-clean") for p in quality_points(quality_run)]
    reported = load_reported(REPORTED)
    clean = next(r for r in reported if r.model == "qwen2.5-omni" and r.task == "librispeech-test-clean")
    assert clean.value == pytest.approx(0.0238) and clean.metric == "wer"  # percent -> fraction
    plain = pareto_figure(pts, "achieved_hz")
    overlaid = pareto_figure(pts, "achieved_hz", reported)
    measured = [line for line in overlaid.axes[0].get_lines() if not line.get_label().startswith("reported")]
    for a, b in zip(plain.axes[0].get_lines(), measured):
        assert a.get_label() == b.get_label()
        assert list(a.get_xdata()) == list(b.get_xdata()) and list(a.get_ydata()) == list(b.get_ydata())
    marks = [line for line in overlaid.axes[0].get_lines() if "reported: flexislm-readme" in line.get_label()]
    assert marks and all(line.get_markerfacecolor() == "none" for line in marks)
    assert {line.get_xdata()[0] for line in marks} == {25.0, 12.5, 6.25}
    # numbered into the legend, one mark per published test-clean WER (and none from test-other)
    published = [r for r in reported if r.task == "librispeech-test-clean" and r.metric == "wer"]
    assert sorted(line.get_label().split("]")[0] for line in marks) == sorted(
        f"[{i}" for i in range(1, len(published) + 1)
    )
    numbers = [t for t in overlaid.axes[0].texts if t.get_gid() == "reported-label"]
    assert len(numbers) == len(marks)
    assert_no_overlap_inside_axes(overlaid, overlaid.axes[0], numbers)
    plt.close(plain)
    plt.close(overlaid)


def test_latency_figure_series_match_the_samples():
    run = load_run(EXAMPLES / "thinkers")
    samples = run.samples
    fig, series = latency_figure(series_samples([run], run_series([run])))
    flexi = series["flexislm-7b-thinker"]
    assert flexi["rates"] == [4.0, 5.0, 6.25, 12.5, 25.0]
    at_625 = [s.timings.t_total for s in samples if s.model == "flexislm-7b-thinker" and s.rate_spec == "6.25"]
    assert flexi["t_total_p50"][2] == pytest.approx(float(np.median(at_625)))
    assert flexi["speedup"][-1] == pytest.approx(1.0)
    assert all(0 < b < t for b, t in zip(flexi["bound"], flexi["t_total_p50"]))
    plt.close(fig)


def test_tables_agree_with_summary_and_bold_the_best(quality_run):
    results = vfr_bench.load(quality_run)
    summary = {(r["model"], r["rate_spec"], r["metric"]): r for r in summary_rows(quality_run)}
    rows = list(csv.DictReader(results.table().to_csv(index=False).splitlines()))
    assert len(rows) == 6
    for row in rows:
        for metric in ("wer", "achieved_input_hz", "t_total_p50"):
            assert float(row[metric]) == float(summary[(row["model"], row["rate"], metric)]["value"])
            assert row[f"{metric}_ci_low"] == summary[(row["model"], row["rate"], metric)]["ci_low"]
    md = results.to_markdown()
    for rate in ("12.5", "6.25", "4"):  # best among the series at each rate, with its CI as [low, high]
        at_rate = [r for r in rows if r["rate"] == rate]
        best = min(at_rate, key=lambda r: float(r["wer"]))
        low, high = float(best["wer_ci_low"]), float(best["wer_ci_high"])
        assert f"**{float(best['wer']):.3f} [{low:.3f}, {high:.3f}]**" in md
    assert md.startswith("| series | task | rate (Hz) |") and "±" not in md
    assert "mean abs. input rate error (%)" in md
    cells_per_line = {len(re.split(r"(?<!\\)\|", line)) for line in md.splitlines() if line.startswith("|")}
    assert len(cells_per_line) == 1  # no heading's own "|" breaks the Markdown table
    tex = results.to_latex()
    assert r"\toprule" in tex and r"\textbf{" in tex and "achieved input rate (Hz)" in tex and r"$\pm$" not in tex


def test_report_folder_has_every_file_non_empty_and_a_readme(quality_run, tmp_path):
    made = build_report([quality_run, EXAMPLES / "thinkers"], tmp_path / "rep", reported_csv=REPORTED)
    names = [m[0] for m in made]
    assert {
        "pareto_quality_vs_rate.pdf",
        "pareto_quality_vs_latency.pdf",
        "rate_calibration.pdf",
        "latency_vs_rate.pdf",
        "results.md",
        "results.tex",
        "results.csv",
    } <= set(names)
    for name in names:
        assert (tmp_path / "rep" / name).stat().st_size > 200
        if name.endswith(".pdf"):
            assert (tmp_path / "rep" / name.replace(".pdf", ".png")).stat().st_size > 1000
            assert b"FontFile2" in (tmp_path / "rep" / name).read_bytes()  # TrueType fonts embedded
    readme = (tmp_path / "rep" / "README.md").read_text()
    assert all(f"`{n}`" in readme for n in names) and "NVIDIA H200" in readme and "sha256:x" in readme


def test_a_user_style_file_wins(quality_run, tmp_path):
    style_file = tmp_path / "mine.mplstyle"
    style_file.write_text("font.size: 13\n")
    style.apply(str(style_file))
    assert plt.rcParams["font.size"] == 13
    style.apply()
    assert plt.rcParams["font.size"] == 8


def test_a_model_keeps_its_colour_and_variants_are_hollow():
    assert style.colour("flexislm-7b") == style.colour("flexislm-0.5b") == style.colour("flexislm-7b-thinker")
    assert style.colour("flexislm-7b") != style.colour("qwen2.5-omni-7b")
    assert style.face("flexislm-7b-thinker") == "white" and style.face("flexislm-7b") != "white"


def test_not_a_run_directory(tmp_path):
    with pytest.raises(RunDirError, match="not a run directory"):
        build_report([tmp_path], tmp_path / "rep")
