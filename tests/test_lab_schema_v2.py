"""The latency lab's batch size is a dimension of each cell, and its one task is `latency-lab` (schema
3, issue 28). A run written by schema 2 (a task per batch size, `latency-lab-bs<N>`) is read as task
and batch size, or refused where a line cannot be read so; never misread. On tests/data/lab-run-schema-v2:
a real lab run made with schema 2's code (flexislm-7b-tiny on a CPU, rates 12.5 and 4 Hz, batch sizes 1
and 2, 3 repeats)."""

from __future__ import annotations

import json
import re
import shutil
import statistics
from pathlib import Path

import pytest
from click.testing import CliRunner

from vfr_bench.cli import main
from vfr_bench.records import LAB_TASK, SCHEMA_VERSION, CellKey, LabRecord
from vfr_bench.run_check import problems
from vfr_bench.run_dir import RunDirectory, RunDirError
from vfr_bench.scoring.summary import current_summary

V2 = Path(__file__).resolve().parent / "data" / "lab-run-schema-v2"
MODEL = "flexislm-7b-tiny"
CELLS = {CellKey(MODEL, LAB_TASK, rate, batch) for rate in ("12.5", "4") for batch in (1, 2)}


def _copy(tmp_path: Path, name: str = "run") -> Path:
    return Path(shutil.copytree(V2, tmp_path / name))


def _rewrite_line(path: Path, number: int, change) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[number - 1])
    change(record)
    lines[number - 1] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_fixture_is_a_schema_2_run_with_a_task_per_batch_size() -> None:
    manifest = json.loads((V2 / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema_version"] == 2 < SCHEMA_VERSION and manifest["kind"] == "latency-lab"
    assert sorted(manifest["tasks"]) == ["latency-lab-bs1", "latency-lab-bs2"]


def test_a_v2_lab_run_reads_as_one_task_at_two_batch_sizes() -> None:
    run = RunDirectory(V2)
    samples = run.samples()
    assert len(samples) == 12 and all(type(s) is LabRecord for s in samples)
    assert {s.cell for s in samples} == CELLS and len({s.key for s in samples}) == 12
    assert {(s.task, s.rate_spec, s.batch_size) for s in run.scores()} == {
        (c.task, c.rate_spec, c.batch_size) for c in CELLS
    }
    rows = current_summary(run)  # the digests written by schema 2 still hold: not stale
    assert {r.cell for r in rows if r.metric == "t_total_p50"} == CELLS
    manifest = run.manifest()
    assert list(manifest.tasks) == [LAB_TASK] and manifest.tasks[LAB_TASK].batch_sizes == [1, 2]
    frame = run.samples_frame()
    assert set(frame["task"]) == {LAB_TASK} and sorted(frame["batch_size"].unique()) == [1.0, 2.0]
    scores = run.scores_frame()
    assert set(scores["task"]) == {LAB_TASK} and len(scores) == len(run.scores())
    assert problems(V2) == []


def test_two_batch_sizes_of_one_rate_stay_two_cells_in_the_report_table() -> None:
    import vfr_bench

    table = vfr_bench.load(V2).table(["t_total_p50"])
    assert sorted(zip(table["batch_size"], table["rate"])) == [(1, "12.5"), (1, "4"), (2, "12.5"), (2, "4")]
    markdown = vfr_bench.load(V2).to_markdown(["t_total_p50"])
    assert markdown.splitlines()[0].startswith("| series | task | batch | rate (Hz) |")
    assert re.search(r"\| flexislm-7b-tiny \| latency-lab \| 2 \| 4 \| 0\.01\d", markdown)


def test_a_v2_lab_line_whose_batch_size_disagrees_with_its_task_is_refused(tmp_path: Path) -> None:
    run = _copy(tmp_path, "disagrees")
    _rewrite_line(run / "samples.jsonl", 1, lambda r: r.update(batch_size=2))  # its task: latency-lab-bs1
    why = "task 'latency-lab-bs1' is not the latency lab's task 'latency-lab' (schema 2's name for a batch size"
    with pytest.raises(
        RunDirError, match=rf"samples.jsonl:1 is not a valid LabRecord \(task: Value error, {re.escape(why)}"
    ):
        RunDirectory(run).samples()
    with pytest.raises(RunDirError, match=r"samples.jsonl:1 is not a valid LabRecord"):
        RunDirectory(run).samples_frame()
    assert f"samples.jsonl line 1: task: Value error, {why}: not this record's)" in problems(run)
    run = _copy(tmp_path, "lacks")
    _rewrite_line(run / "samples.jsonl", 1, lambda r: r.pop("batch_size"))  # schema 2 required it too
    with pytest.raises(RunDirError, match=r"samples.jsonl:1 is not a valid LabRecord \(batch_size: Field required"):
        RunDirectory(run).samples()
    with pytest.raises(RunDirError, match=r"samples.jsonl:1 is not a valid LabRecord \(batch_size"):
        RunDirectory(run).samples_frame()
    assert "samples.jsonl line 1: batch_size: Field required" in problems(run)
    run = _copy(tmp_path, "score")
    _rewrite_line(run / "scores.jsonl", 1, lambda r: r.update(batch_size=2))
    assert any(p.startswith("scores.jsonl line 1: scores a sample samples.jsonl does not hold") for p in problems(run))


def test_a_v2_lab_run_is_not_resumed(tmp_path: Path) -> None:
    run = _copy(tmp_path)
    with pytest.raises(RunDirError, match="latency-lab run of schema 2 .* time it again into a new --out"):
        RunDirectory(run).open(resume=True)
    result = CliRunner().invoke(main, ["latency", "--arch", "flexislm-7b-tiny", "--rates", "4", "--out", str(run),
                                       "--device", "cpu", "--resume"])  # fmt: skip
    assert result.exit_code == 1 and "schema 2" in result.output and "Traceback" not in result.output


def test_scoring_a_v2_lab_run_again_keeps_it_readable(tmp_path: Path) -> None:
    run = _copy(tmp_path)
    result = CliRunner().invoke(main, ["score", str(run), "--rescore", "t_total_p50"])
    assert result.exit_code == 0, result.output
    assert re.search(r"flexislm-7b-tiny +latency-lab +2 +4 ", result.output)  # the results table: batch, rate
    written = (run / "summary.csv").read_text(encoding="utf-8")
    assert "latency-lab-bs" not in written and f"{MODEL},latency-lab,4,2," in written
    assert problems(run) == [] and {r.cell for r in current_summary(RunDirectory(run))} == CELLS


def test_gate_between_two_lab_runs_pairs_each_batch_size_with_itself(tmp_path: Path) -> None:
    base, cand = _copy(tmp_path, "base"), _copy(tmp_path, "cand")
    verdict = tmp_path / "verdict.json"
    args = ["gate", "--baseline", str(base), "--candidate", str(cand), "--json", str(verdict)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    cells = json.loads(verdict.read_text(encoding="utf-8"))["cells"]
    timed = {(c["task"], c["rate"], c["batch_size"]) for c in cells if c["metric"] == "t_total_p50"}
    assert timed == {(c.task, c.rate_spec, c.batch_size) for c in CELLS}
    assert "| latency-lab @ 4 Hz, batch 2, t_total_p50 |" in result.output
    _rewrite_line(cand / "samples.jsonl", 12, lambda r: r.update(status="error", error="out of memory"))
    result = CliRunner().invoke(main, args)  # the batch-2 cell at that rate lost a sample; batch 1 did not
    lost = [c for c in json.loads(verdict.read_text(encoding="utf-8"))["cells"] if c["kind"] == "coverage"]
    assert result.exit_code == 1 and [(c["rate"], c["batch_size"], c["verdict"]) for c in lost] == [("4", 2, "fail")]


def test_the_latency_figure_draws_a_line_per_batch_size() -> None:
    import matplotlib.pyplot as plt

    from tests.figures.checks import check_figure
    from vfr_bench.report import style
    from vfr_bench.report.fig_latency import latency_figure
    from vfr_bench.report.points import run_series, series_samples
    from vfr_bench.run_view import load_run

    style.apply()
    runs = [load_run(V2)]
    fig, drawn = latency_figure(series_samples(runs, run_series(runs)))
    assert sorted(drawn) == [MODEL, f"{MODEL}, batch 2"]  # batch 1 is the series' own line
    for batch, label in ((1, MODEL), (2, f"{MODEL}, batch 2")):
        at_4 = [s.timings.t_total for s in runs[0].samples if (s.batch_size, s.rate_spec) == (batch, "4")]
        assert drawn[label]["rates"] == [4.0, 12.5] and len(at_4) == 3
        assert drawn[label]["t_total_p50"][0] == pytest.approx(statistics.median(at_4))
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert f"{MODEL}, batch 2" in legend and not check_figure(fig)
    plt.close(fig)


def test_the_sample_browser_keeps_batch_sizes_apart(tmp_path: Path) -> None:
    import vfr_bench
    from vfr_bench.report.html.media import Media
    from vfr_bench.report.html.samples import sample_groups

    results = vfr_bench.load(V2)
    groups = sample_groups(results.runs, results.series, Media(tmp_path))
    assert sorted(g["id"] for g in groups) == sorted(
        [f"repeat-{i}" for i in range(3)] + [f"repeat-{i}, batch 2" for i in range(3)]
    )
    assert all(len(g["rows"]) == 2 for g in groups)  # one per rate
