"""The figure suite: every figure the report and the API draw, for studies of 1, 2, 4 and 13 tasks
and 1, 2 and 8 series, checked with matplotlib's renderer as a plain savefig() lays it out: every
text inside the canvas, no two texts overlapping, tick labels apart, legend entries drawn apart."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("matplotlib", reason="figures need: pip install 'vfr-bench[report]'")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import vfr_bench  # noqa: E402
from tests.figures.checks import check_figure  # noqa: E402
from tests.figures.studies import MODELS, write_study  # noqa: E402
from vfr_bench.report import style  # noqa: E402

LONG = "20261207-101500-training-free-dynamic-12.5-6.25-5-4-asr-asr-noise-limit-3-seed-0-cpu-2cores-{}-of-two-runs-x"
# (tasks, series): every count of each; 13 tasks x 8 series (24 robustness panels) is marked slow
SHAPES = [(1, 1), (2, 2), (4, 8), (13, 1), (13, 2), pytest.param(13, 8, marks=pytest.mark.slow)]
FIGURES = ("pareto", "pareto_latency", "pareto_ar", "robustness", "languages", "calibration", "latency")
ONLY = {"robustness": 13, "languages": 4}  # the noise study has conditions, the 4-task study languages


@pytest.fixture(scope="module")
def studies(tmp_path_factory):
    """(tasks, series) -> its run directories: 1 series is one model in one run, 2 series one model
    in two runs with 113-character ids, 8 series four models in each of two such runs."""
    root = tmp_path_factory.mktemp("studies")
    made: dict[tuple[int, int], list[Path]] = {}

    def get(n_tasks: int, n_series: int) -> list[Path]:
        if (n_tasks, n_series) not in made:
            models = MODELS[:1] if n_series <= 2 else MODELS
            runs = 1 if n_series == 1 else 2
            made[(n_tasks, n_series)] = [
                write_study(root / f"{n_tasks}-{n_series}" / LONG.format(k), n_tasks, models, seed=k)
                for k in range(1, runs + 1)
            ]
        return made[(n_tasks, n_series)]

    return get


def draw(results, name: str):
    return {
        "pareto": lambda: results.pareto(),
        "pareto_latency": lambda: results.pareto("t_total_p50"),
        "pareto_ar": lambda: results.pareto("t_ar_p50"),
        "robustness": results.robustness,
        "languages": results.languages,
        "calibration": results.calibration,
        "latency": results.latency,
    }[name]()


@pytest.mark.parametrize("n_tasks,n_series", SHAPES)
def test_every_figure_fits_its_canvas_with_nothing_overlapping(studies, n_tasks, n_series):
    plt.rcdefaults()  # a user's plain matplotlib: no tight bbox to rescue a clipped text
    style.apply()
    results = vfr_bench.load(*studies(n_tasks, n_series))
    assert len(results.series) == n_series
    drawn = 0
    for name in FIGURES:
        fig = draw(results, name)
        if fig is None:
            assert name in ONLY and ONLY[name] != n_tasks
            continue
        drawn += 1
        problems = check_figure(fig)
        assert not problems, f"{name}: {problems[:5]}"
        assert fig.get_figwidth() <= style.DOUBLE_COLUMN_INCHES[0] + 0.01
        plt.close(fig)
    assert drawn == len(FIGURES) - sum(n != n_tasks for n in ONLY.values())


def test_small_multiples_wrap_into_rows_and_noise_conditions_leave_the_pareto(studies):
    results = vfr_bench.load(*studies(13, 1))
    pareto = results.pareto()
    assert [ax.get_title() for ax in pareto.axes] == ["asr"]  # 12 conditions are in the robustness figure
    robust = results.robustness()
    assert [ax.get_title() for ax in robust.axes] == ["babble", "pink", "white"]
    lines = [line for line in robust.axes[0].get_lines() if line.get_gid() == "snr-line"]
    assert len(lines) == 4 and all(list(line.get_xdata()) == [0, 5, 10, 20] for line in lines)
    assert len([x for x in robust.axes[0].get_lines() if x.get_gid() == "clean-reference"]) == 4
    four = vfr_bench.load(*studies(4, 8)).pareto()
    rows = sorted({round(ax.get_position().y0, 3) for ax in four.axes})
    assert len(four.axes) == 4 and len(rows) == 2  # a 2 x 2 grid, not four panels in a row
    for fig in (pareto, robust, four):
        plt.close(fig)


def test_clean_reference_is_the_clean_tasks_value_at_the_same_rate(studies):
    results = vfr_bench.load(*studies(13, 1))
    summary = results.summary.query("metric == 'wer' and task == 'asr'")
    clean = {float(r.requested_input_hz): r.value for r in summary.itertuples()}
    fig = results.robustness()
    drawn = sorted(line.get_ydata()[0] for line in fig.axes[0].get_lines() if line.get_gid() == "clean-reference")
    assert drawn == pytest.approx(sorted(clean.values()))
    plt.close(fig)


def test_long_run_ids_give_short_distinct_labels_and_colours_a_reader_tells_apart(studies):
    results = vfr_bench.load(*studies(2, 8))
    labels = results.labels
    assert len(set(labels)) == 8 and max(map(len, labels)) <= 40, labels
    assert all(LONG.format(1) not in label for label in labels)
    series = list(results.series.values())
    looks = {(s.colour, s.marker) for s in series}
    assert len(looks) == 8 and len({s.marker for s in series}) == 8
    two = vfr_bench.load(*studies(2, 2))
    first, second = two.series.values()
    assert {first.colour, second.colour} != {style.PALETTE[0], style.PALETTE[5]}  # not blue beside sky blue
    assert first.dash != second.dash and first.marker != second.marker


def test_the_api_figures_save_whole_with_a_plain_savefig(studies, tmp_path):
    """README: `results.pareto().savefig("pareto.pdf")` with matplotlib's own defaults keeps every text."""
    plt.rcdefaults()
    results = vfr_bench.load(*studies(13, 2))
    for name in FIGURES:
        fig = draw(results, name)
        if fig is None:
            assert name == "languages"
            continue
        fig.savefig(tmp_path / f"{name}.png")  # no bbox_inches: the figure's own canvas
        assert not check_figure(fig), name
        plt.close(fig)


def test_a_multilingual_study_compares_its_languages_by_rate(studies):
    results = vfr_bench.load(*studies(4, 2))
    fig = results.languages()
    assert len(fig.axes) == 2  # one panel per series
    lines = [line for line in fig.axes[0].get_lines() if line.get_gid() == "language-line"]
    assert len(lines) == 4 and all(list(line.get_xdata()) == [4.0, 5.0, 6.25, 12.5] for line in lines)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["de", "en", "es", "it"]
    summary = results.summary.query("metric == 'wer' and task == 'multilingual-espeak@de' and rate_spec == '4'")
    de = lines[0]
    assert de.get_ydata()[0] == pytest.approx(summary.sort_values("run")["value"].iloc[0])
    plt.close(fig)


def test_the_readmes_custom_figure_example_saves_its_labels(studies, tmp_path, monkeypatch):
    """The Python API page's "figure of your own" lines, run on a study as written: nothing leaves the canvas."""
    readme = (Path(__file__).resolve().parents[2] / "docs" / "python-api.md").read_text(encoding="utf-8")
    start = readme.index("# A figure of your own")
    example = readme[
        start : readme.index('fig.savefig("wer_by_rate.pdf")', start) + len('fig.savefig("wer_by_rate.pdf")')
    ]
    plt.rcdefaults()
    monkeypatch.chdir(tmp_path)
    space = {"plt": plt, "results": vfr_bench.load(*studies(2, 2))}
    exec(compile(example, "docs/python-api.md", "exec"), space)
    assert (tmp_path / "wer_by_rate.pdf").stat().st_size > 1000
    assert not check_figure(space["fig"])
    plt.close(space["fig"])


def test_the_latency_lab_examples_draw_cleanly():
    """Real H200 latency-lab runs (results/examples): seven series at rates 4 to 50 Hz, 5 beside 6.25."""
    style.apply()
    lab = Path(__file__).resolve().parents[2] / "results" / "examples" / "h200-latency-lab"
    results = vfr_bench.load(*sorted(p for p in lab.iterdir() if (p / "manifest.json").is_file()))
    fig = results.latency()
    assert not check_figure(fig)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels[0] == "4" and labels[-1] == "50" and "12.5" in labels  # a crowded label left blank, not drawn over
    plt.close(fig)
