"""The HTML listening report without a browser: the word diff marks exactly the edits the `wer`
metric counted, `vfr-bench report` writes a self-contained page (no network reference) whose sample
chunks and audio lie inside the report folder, large runs are split into chunk files, unplayable
audio is converted, and the charts carry the series, rate, n and CI their hover shows.
Browser behaviour: tests/test_html_browser.py."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf
from click.testing import CliRunner

import vfr_bench
from tests.html_runs import write_html_run
from vfr_bench.cli import main
from vfr_bench.report.html.diff import align, sample_diff
from vfr_bench.report.html.media import Media
from vfr_bench.report.html.samples import CHUNK
from vfr_bench.run_dir import RunDirectory

pytest.importorskip("plotly")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_html_run(
        tmp_path_factory.mktemp("html") / "run", (("training-free-uniform", 0), ("training-free-dynamic", 2))
    )


@pytest.fixture(scope="module")
def report(run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report"
    result = CliRunner().invoke(main, ["report", str(run), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def chunk_groups(report: Path) -> list[dict]:
    groups = []
    for file in sorted((report / "samples").glob("chunk-*.js")):
        text = file.read_text(encoding="utf-8")
        found = re.fullmatch(r"window\.vfrChunk\((\d+), (.*)\);\n", text, re.S)
        assert found, file
        groups += json.loads(found.group(2))
    return groups


def page_data(report: Path) -> dict:
    text = (report / "index.html").read_text(encoding="utf-8")
    found = re.search(r"window\.VFR = (\{.*?\});\n</script>", text, re.S)
    assert found
    return json.loads(found.group(1))


def test_align_marks_substitutions_deletions_and_insertions():
    ops = align("a b c d".split(), "a x c d e".split())
    assert ops == [["=", "a"], ["s", "b", "x"], ["=", "c"], ["=", "d"], ["i", "e"]]
    assert align([], ["x"]) == [["i", "x"]] and align(["x"], []) == [["d", "x"]]
    assert align(list("abc"), list("abd"), "char") == [["=", "a"], ["=", "b"], ["s", "c", "d"]]


def test_the_diff_marks_exactly_the_edits_the_wer_metric_counted(run: Path):
    scores = [s for s in RunDirectory(run).scores() if s.metric == "wer"]
    assert len(scores) == 2 * 2 * 2 * 5 - 1 and sum(s.numerator for s in scores) > 0  # the failed sample unscored
    kinds = set()
    for score in scores:
        diff = sample_diff({"wer": score})
        assert diff is not None and diff.marked == score.numerator == diff.edits, score
        kinds |= {op[0] for op in diff.ops}
        units = [op[1] if op[0] != "i" else None for op in diff.ops]
        assert [u for u in units if u is not None] == score.detail["normalised_reference"].split()
    assert kinds == {"=", "s", "d", "i"}  # the test data has each kind of edit


def test_report_writes_a_self_contained_page_that_survives_a_move(report: Path, run: Path, tmp_path: Path):
    page = (report / "index.html").read_text(encoding="utf-8")
    tags = re.findall(r"<(?:script|link|img|audio|source|iframe)\b[^>]*>", page)
    assert not [t for t in tags if re.search(r"(src|href)=[\"']?(https?:)?//", t)], "nothing from the network"
    assert "Plotly" in page and len(page) > 1_000_000  # plotly.js inlined
    moved = tmp_path / "moved"
    shutil.copytree(report, moved)
    shutil.rmtree(run.parent / "run-cache")  # the input audio's cache: the copies in media/ remain
    groups = chunk_groups(moved)
    assert len(groups) == 2 * 5  # (task, sample) groups
    paths = [g["input"] for g in groups] + [r["a"] for g in groups for r in g["rows"] if r["a"]]
    assert paths and all((moved / p).is_file() and not Path(p).is_absolute() for p in paths)
    speaking = [r for g in groups for r in g["rows"] if g["task"] == "rate-fidelity" and r["st"] == "ok"]
    assert speaking and all(r["a"] for r in speaking)
    assert all(r["a"] is None for g in groups for r in g["rows"] if g["task"] == "asr")


def test_rows_carry_wer_hz_t_total_and_the_counted_edits(report: Path, run: Path):
    numerators = {s.key[:4]: s.numerator for s in RunDirectory(run).scores() if s.metric == "wer"}
    labels = [s["model"] for s in page_data(report)["series"]]
    rows = [(g, r) for g in chunk_groups(report) for r in g["rows"]]
    assert len(rows) == 2 * 2 * 2 * 5
    for group, row in rows:
        key = (labels[row["s"]], row["r"], group["task"], group["id"])
        if row["st"] != "ok":
            assert row["ops"] is None and "worker died" in row["err"]
            continue
        assert row["e"] == numerators[key] == sum(op[0] != "=" for op in row["ops"])
        assert row["w"] is not None and row["in_hz"] is not None and row["t"] is not None


def test_players_carry_their_duration_before_they_are_clicked(report: Path, run: Path):
    """Each output player's row holds its audio's seconds (shown beside it); each group its input's."""
    seconds = {(s.model, s.rate_spec, s.task, s.sample_id): s.output_seconds for s in RunDirectory(run).samples()}
    labels = [s["model"] for s in page_data(report)["series"]]
    rows = [(g, r) for g in chunk_groups(report) for r in g["rows"] if r["a"]]
    assert rows and all(g["in_s"] == 1.0 for g, _ in rows)
    for group, row in rows:
        assert row["d"] == seconds[(labels[row["s"]], row["r"], group["task"], group["id"])] == 0.8
    assert 'el("span", { cls: "duration"' in (report / "index.html").read_text(encoding="utf-8")


def test_the_table_has_one_row_per_series_task_and_rate(report: Path, run: Path):
    data = page_data(report)
    cells = {(r["series"], r["task"], r["rate"]) for r in data["table"]["rows"]}
    summary = vfr_bench.load(run).summary
    assert (
        len(data["table"]["rows"]) == len(cells) == len(summary.groupby(["label", "task", "rate_spec"], observed=True))
    )
    wer = next(c for c in data["table"]["columns"] if c["key"] == "wer")
    assert wer["title"] == "WER" and all(len(r["cells"]["wer"]) == 3 for r in data["table"]["rows"])


def test_chart_points_hover_with_series_rate_n_and_ci(report: Path):
    charts = page_data(report)["charts"]
    assert set(charts) == {"pareto_quality_vs_rate", "pareto_quality_vs_latency", "rate_calibration", "latency_vs_rate"}
    traces = charts["pareto_quality_vs_rate"]["data"]
    assert sorted(t["name"] for t in traces if t.get("showlegend")) == [
        "training-free-dynamic",
        "training-free-uniform",
    ]
    for trace in traces:
        assert "n = %{customdata[5]}" in trace["hovertemplate"] and "rate %{customdata[1]} Hz" in trace["hovertemplate"]
        for label, rate, _, low, high, n in trace["customdata"]:
            assert label == trace["name"] and rate in ("12.5", "4") and low <= high and n >= 4


def test_a_large_run_is_split_into_chunks_loaded_on_demand(tmp_path: Path):
    run = write_html_run(tmp_path / "big", n=CHUNK + 10, error=False)
    out = tmp_path / "report"
    assert CliRunner().invoke(main, ["report", str(run), "--out", str(out)]).exit_code == 0
    groups = chunk_groups(out)
    assert len(groups) == 2 * (CHUNK + 10) and len(list((out / "samples").glob("chunk-*.js"))) == 3
    index = page_data(out)["index"]
    assert [(e[0], e[1]) for e in index] == [(g["task"], g["id"]) for g in groups]
    assert [e[2] for e in index] == [i // CHUNK for i in range(len(groups))]
    assert "zebra" not in json.dumps(index)  # transcripts stay in the chunks


def test_no_html_writes_no_page(run: Path, tmp_path: Path):
    result = CliRunner().invoke(main, ["report", str(run), "--out", str(tmp_path / "r"), "--no-html"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "r" / "index.html").exists() and (tmp_path / "r" / "results.md").is_file()


def test_audio_a_browser_cannot_play_is_converted_and_missing_audio_is_listed(tmp_path: Path):
    aiff = tmp_path / "in.aiff"
    sf.write(str(aiff), [0.0, 0.1, -0.1, 0.0] * 400, 16000, format="AIFF")
    media = Media(tmp_path / "report")
    copied = media.add(aiff, "input")
    assert copied is not None and copied.endswith(".wav") and media.add(aiff, "input") == copied
    assert sf.info(str(tmp_path / "report" / copied)).format == "WAV"
    flac = tmp_path / "out.flac"
    sf.write(str(flac), [0.0] * 1600, 16000)
    assert media.add(flac, "output").endswith(".flac")
    odd = tmp_path / "a #1?.flac"  # characters a URL would read as a fragment or a query
    shutil.copyfile(flac, odd)
    assert re.fullmatch(r"media/output/[0-9a-f]{10}-a_1_\.flac", media.add(odd, "output"))
    assert media.add(tmp_path / "gone.flac", "output") is None and media.missing == [(tmp_path / "gone.flac")]


def test_the_judge_ceiling_is_a_table_row_of_its_own_and_a_dotted_line(tmp_path: Path):
    from vfr_bench.records import ScoreRecord
    from vfr_bench.report.html.overview import overview_charts, overview_table
    from vfr_bench.report.series import CEILING_MODEL
    from vfr_bench.scoring.summary import summarise

    run = RunDirectory(write_html_run(tmp_path / "run", error=False))
    run.append_scores([  # as scoring/ceiling.py writes them: 4 of 5 heard right
        ScoreRecord(model=CEILING_MODEL, rate_spec="native", task="asr", sample_id=f"utt-{i:02d}", metric="wer",
                    metric_version="2", value=float(i == 0), numerator=float(i == 0), denominator=1.0)
        for i in range(5)
    ])  # fmt: skip
    run.write_summary(summarise(run.scores()))
    results = vfr_bench.load(run.path)
    rows = overview_table(results)["rows"]
    ceiling = [r for r in rows if r["ceiling"]]
    assert len(ceiling) == 1 and ceiling[0]["series"] == "judge ceiling" and ceiling[0]["rate"] == "native"
    assert ceiling[0]["cells"]["wer"][0] == pytest.approx(0.2) and len(rows) == 1 + 2 * 2
    layout = overview_charts(results)["pareto_quality_vs_rate"]["layout"]
    lines = [s for s in layout["shapes"] if s.get("line", {}).get("dash") == "dot"]
    assert [s["y0"] for s in lines] == [pytest.approx(0.2)]
    assert any(a["text"] == "judge ceiling" for a in layout["annotations"])


def test_on_the_training_free_models_real_transcripts_the_marked_edits_are_the_wer_numerators(tmp_path: Path):
    """The default model on the built-in speech (2 utterances, 12.5 and 4 Hz): real transcripts, real scores."""
    run = tmp_path / "run"
    cli = Path(sys.executable).parent / "vfr-bench"
    done = subprocess.run(
        [str(cli), "run", "--limit", "2", "--rates", "12.5,4", "--tasks", "asr", "--out", str(run), "--report"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    scores = {s.key[:4]: s for s in RunDirectory(run).scores() if s.metric == "wer"}
    assert len(scores) == 2 * 2 * 2 and sum(s.numerator for s in scores.values()) > 0  # 4 Hz makes errors
    report = tmp_path / "reports" / run.name  # `run --report` writes the page too
    labels = [s["model"] for s in page_data(report)["series"]]
    rows = [(g, r) for g in chunk_groups(report) for r in g["rows"]]
    assert len(rows) == len(scores)
    for group, row in rows:
        score = scores[(labels[row["s"]], row["r"], group["task"], group["id"])]
        assert sum(op[0] != "=" for op in row["ops"]) == row["e"] == score.numerator
        assert [op[1] for op in row["ops"] if op[0] != "i"] == score.detail["normalised_reference"].split()
        assert [op[-1] for op in row["ops"] if op[0] != "d"] == score.detail["normalised_hypothesis"].split()
    assert all((report / g["input"]).is_file() for g, _ in rows)


def test_writing_again_replaces_the_pages_own_files_and_nothing_else(run: Path, tmp_path: Path):
    out = tmp_path / "out"
    (out / "samples").mkdir(parents=True)
    (out / "samples" / "mine.txt").write_text("a user's file")
    (out / "samples" / "chunk-0007.js").write_text("stale")
    (out / "media" / "input").mkdir(parents=True)
    (out / "media" / "input" / "0123456789-old.flac").write_text("stale")
    assert CliRunner().invoke(main, ["report", str(run), "--out", str(out)]).exit_code == 0
    assert (out / "samples" / "mine.txt").read_text() == "a user's file"
    assert sorted(f.name for f in (out / "samples").iterdir()) == ["chunk-0000.js", "mine.txt"]
    assert not (out / "media" / "input" / "0123456789-old.flac").exists()


def test_the_python_api_writes_the_page_the_report_command_writes(tmp_path: Path):
    import vfr_bench

    run = write_html_run(tmp_path / "run", (("training-free-uniform", 0), ("training-free-dynamic", 2)))
    report = tmp_path / "report"
    result = CliRunner().invoke(main, ["report", str(run), "--out", str(report)])
    assert result.exit_code == 0, result.output
    written = vfr_bench.write_html(vfr_bench.load(run), tmp_path / "page")
    assert written.page == tmp_path / "page" / "index.html" and written.missing_audio == []
    assert page_data(tmp_path / "page") == page_data(report)
    assert chunk_groups(tmp_path / "page") == chunk_groups(report)
    vfr_bench.write_html(vfr_bench.load(run), tmp_path / "titled", title="ablation A")
    assert page_data(tmp_path / "titled")["title"] == "ablation A"
