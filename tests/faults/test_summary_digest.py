"""summary.csv carries a digest of the scores (their values, metric versions and judges) each row was
made from; every reader refuses a row whose scores moved on, naming the command that rebuilds it, even
where the counts still agree. The manifest never names another judge than its scores were made with."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from tests.judge_server import qa_records, serve
from tests.report_runs import write_quality_run
from vfr_bench import load
from vfr_bench.cli import main
from vfr_bench.cli_command import cli_command
from vfr_bench.jsonl import append_jsonl, read_jsonl
from vfr_bench.metrics.judge_settings import JudgeSettings
from vfr_bench.run_check import problems
from vfr_bench.run_dir import RunDirError
from vfr_bench.scoring import score, score_run

QA = ["qa_judge_accuracy"]


@pytest.fixture
def judge_server():
    url, server = serve()
    yield url
    server.shutdown()


def assert_every_reader_refuses(run, tmp_path) -> None:
    rebuild = re.escape(f"`{cli_command()} score {run}`")  # the program as this shell can run it
    with pytest.raises(RunDirError, match=rf"summary.csv is out of date .*{rebuild}"):
        load(run)
    assert any(f"rebuild it with `{cli_command()} score" in p for p in problems(run)), problems(run)
    report = CliRunner().invoke(main, ["report", str(run), "--out", str(tmp_path / "report"), "--no-html"])
    assert report.exit_code == 1 and "out of date" in report.output, report.output
    calibration = CliRunner().invoke(main, ["gate", "calibrate", str(run), str(run), "--out", str(tmp_path / "g")])
    assert calibration.exit_code != 0 and "out of date" in calibration.output, calibration.output


def test_a_rescore_interrupted_before_its_summary_is_refused_by_every_reader(tmp_path, judge_server, monkeypatch):
    run = tmp_path / "run"
    run.mkdir()
    append_jsonl(run / "samples.jsonl", qa_records(["Paris", "Rome", "It is Paris", "Lyon"]))
    (run / "manifest.json").write_text(json.dumps({"argv": [], "models": {"m": {}}, "tasks": {"qa": {}}}))
    score_run(run, {}, only=QA, judges=JudgeSettings(llm_url=judge_server, llm_model="judge-1"))

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the pass dies after its scores are written, before its summary

    monkeypatch.setattr(score, "summarise", killed)
    with pytest.raises(KeyboardInterrupt):
        score_run(run, {}, only=QA, rescore=QA, judges=JudgeSettings(llm_url=judge_server, llm_model="judge-2"))
    monkeypatch.undo()
    judges = {s["judge"] for s in read_jsonl(run / "scores.jsonl") if s["metric"] == QA[0]}
    assert judges == {f"llm:judge-2@{judge_server} x1"}  # same counts and values as judge-1's: only the judge moved
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["judges"]["llm_model"] == "judge-2"  # the manifest names the scores' judge
    assert manifest["metrics"][QA[0]]["judge"] == "judge-2"
    assert_every_reader_refuses(run, tmp_path)
    score_run(run, {}, only=QA, judges=JudgeSettings(llm_url=judge_server, llm_model="judge-2"))  # the rebuild
    assert load(run).summary["n"].tolist() == [4] and problems(run) == []


def test_a_changed_score_with_the_same_counts_is_refused(tmp_path):
    run = write_quality_run(tmp_path / "run")
    lines = (run / "scores.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    first["value"] = first["value"] + 0.5  # a score edited (or made by another recipe) after the summary
    lines[0] = json.dumps(first)
    (run / "scores.jsonl").write_text("\n".join(lines) + "\n")
    assert_every_reader_refuses(run, tmp_path)


def test_a_summary_without_digests_beside_its_scores_is_refused(tmp_path):
    run = write_quality_run(tmp_path / "run")
    text = (run / "summary.csv").read_text().splitlines()
    old = [",".join(line.split(",")[:-1]) for line in text]  # the column an older vfr-bench did not write
    (run / "summary.csv").write_text("\n".join(old) + "\n")
    with pytest.raises(RunDirError, match="carries no digest of its scores"):
        load(run)
