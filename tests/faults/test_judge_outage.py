"""The LLM judge under faults: rate limits, an outage and its recovery, replies that are no answer, a
server that echoes the key, a judge changed between passes. No failure becomes a score or a pass."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.judge_server import FakeOpenAI, qa_records, serve
from vfr_bench.cli import main
from vfr_bench.jsonl import append_jsonl, read_jsonl
from vfr_bench.metrics.judge_settings import JudgeSettings
from vfr_bench.scoring import JudgeChanged, score_run

SECRET = "sk-live-0123456789abcdef0123456789abcdef"


@pytest.fixture
def judge(monkeypatch):
    url, server = serve()
    monkeypatch.setenv("VFR_BENCH_JUDGE_API_KEY", SECRET)
    yield url
    server.shutdown()


def qa_run(path, texts):
    path.mkdir(exist_ok=True)
    append_jsonl(path / "samples.jsonl", qa_records(texts))
    (path / "manifest.json").write_text(json.dumps({"argv": [], "models": {"m": {}}, "tasks": {"qa": {}}}))
    return path


def scores(path, metric="qa_judge_accuracy"):
    return {s["sample_id"]: s for s in read_jsonl(path / "scores.jsonl") if s["metric"] == metric}


def score_cli(path, url, *extra):
    args = ["score", str(path), "--metrics", "qa_judge_accuracy", "--judge-url", url, "--judge-model", "j", *extra]
    return CliRunner().invoke(main, args)


def test_a_rate_limit_is_retried_and_the_answer_kept(tmp_path, judge):
    run = qa_run(tmp_path / "run", ["busy: Paris"])
    score_run(run, {}, only=["qa_judge_accuracy"], judges=JudgeSettings(llm_url=judge, llm_model="j"))
    assert scores(run)["q0"]["value"] == 1.0 and len(FakeOpenAI.requests) == 2  # 429, then the reply


def test_an_outage_fails_the_score_loudly_and_the_next_score_retries_it(tmp_path, judge):
    run = qa_run(tmp_path / "run", ["Paris", "Rome", "Paris again"])
    FakeOpenAI.down = True
    result = score_cli(run, judge)
    assert result.exit_code == 3, result.output
    text = " ".join(result.output.split())
    assert "3 score(s) failed (qa_judge_accuracy 3)" in text and "HTTP 503 (after 4 retries)" in text
    assert "qa_judge_accuracy" not in (run / "summary.csv").read_text()  # no number from nothing
    assert all(s["value"] is None for s in scores(run).values())
    FakeOpenAI.down = False
    again = score_cli(run, judge)  # a plain score, no --rescore: the failed items are asked again
    assert again.exit_code == 0, again.output
    assert [scores(run)[f"q{i}"]["value"] for i in range(3)] == [1.0, 0.0, 1.0]
    assert "qa_judge_accuracy" in (run / "summary.csv").read_text()
    assert CliRunner().invoke(main, ["check", str(run)]).exit_code == 0  # a retried error is superseded


def test_a_reply_that_is_no_answer_is_an_error_and_is_not_cached(tmp_path, judge):
    run = qa_run(tmp_path / "run", ["ramble"])
    judges = JudgeSettings(llm_url=judge, llm_model="j")
    score_run(run, {}, only=["qa_judge_accuracy"], judges=judges)
    assert "not the JSON asked for" in scores(run)["q0"]["error"]  # "I cannot say yes or no" is not a yes
    score_run(run, {}, only=["qa_judge_accuracy"], judges=judges)
    assert FakeOpenAI.asked[next(iter(FakeOpenAI.asked))] == 2  # asked again: the bad reply was never cached
    assert not (run / "judge_cache" / "llm_judge.jsonl").exists()


def test_a_score_in_prose_is_an_error_not_a_one(tmp_path, judge):
    append_jsonl(tmp_path / "samples.jsonl", qa_records(["sloppy"]))
    score_run(tmp_path, {}, only=["judge_score"], judges=JudgeSettings(llm_url=judge, llm_model="j"))
    failed = scores(tmp_path, "judge_score")["q0"]
    assert failed["value"] is None and "not the JSON asked for" in failed["error"]


def test_a_server_that_echoes_the_key_does_not_leak_it_into_the_run(tmp_path, judge):
    run = qa_run(tmp_path / "run", ["crash"])
    score_run(run, {}, only=["qa_judge_accuracy"], judges=JudgeSettings(llm_url=judge, llm_model="j"))
    error = scores(run)["q0"]["error"]
    assert "HTTP 500" in error and "[redacted]" in error
    for path in run.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes()


def test_another_judge_without_rescore_is_refused(tmp_path, judge):
    run = qa_run(tmp_path / "run", ["Paris"])
    score_run(run, {}, only=["qa_judge_accuracy"], judges=JudgeSettings(llm_url=judge, llm_model="judge-1"))
    other = JudgeSettings(llm_url=judge, llm_model="judge-2")
    with pytest.raises(JudgeChanged, match="scored with llm:judge-1.*this pass would use llm:judge-2.*--rescore"):
        score_run(run, {}, only=["qa_judge_accuracy"], judges=other)
    rows = score_run(run, {}, only=["qa_judge_accuracy"], judges=other, rescore=["qa_judge_accuracy"])
    assert scores(run)["q0"]["judge"].startswith("llm:judge-2") and rows
