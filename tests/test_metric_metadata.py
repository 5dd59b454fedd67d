"""Metric metadata drives behaviour: what is scored where, how published numbers are scaled, what a
gate allows by default. No name prefix decides any of it."""

from __future__ import annotations

from dataclasses import replace
from typing import get_args

import pytest

from vfr_bench.gate.config import GateConfig
from vfr_bench.jsonl import append_jsonl, read_jsonl
from vfr_bench.metrics import METRICS, all_metrics, get_metric, metrics_for_task
from vfr_bench.metrics.base import KINDS, Aggregation, SampleScore
from vfr_bench.report.points import load_reported
from vfr_bench.scoring import score_run


def test_every_metric_says_what_it_is():
    for name, metric in all_metrics().items():
        assert metric.kind in KINDS and metric.label and metric.aggregation in get_args(Aggregation)
        if metric.kind == "quality":
            assert metric.requires, f"{name} must say which record fields it reads"
    assert get_metric("wer").scale == "fraction" and get_metric("judge_score").scale == "absolute"
    assert {m.kind for m in metrics_for_task(["wer"])[1:]} == {"rate", "latency", "allocation"}
    assert [m.name for m in metrics_for_task(["wer", "wer"])].count("wer") == 1


def test_the_scorer_runs_a_metric_only_on_samples_that_have_what_it_requires(tmp_path, monkeypatch):
    def refuse_without_audio(record, ctx):
        raise AssertionError(f"called on {record.sample_id}, which has no audio")

    monkeypatch.setattr(METRICS, "_loaded", {**METRICS._loaded})
    METRICS.replace("si_sdr", replace(get_metric("si_sdr"), compute=refuse_without_audio))
    base = {"model": "m", "rate_spec": "4", "task": "asr", "status": "ok", "text": "x", "timings": {"t_total": 1.0}}
    append_jsonl(tmp_path / "samples.jsonl", [{**base, "sample_id": "a"}, {**base, "sample_id": "b"}])
    score_run(tmp_path, {}, only=["si_sdr"])
    assert [s for s in read_jsonl(tmp_path / "scores.jsonl") if s["metric"] == "si_sdr"] == []


def test_an_empty_transcript_is_scored_not_skipped(tmp_path):
    record = {"model": "m", "rate_spec": "4", "task": "asr", "sample_id": "a", "status": "ok", "text": "",
              "language": "en", "reference": {"text": "three words here"}, "timings": {"t_total": 1.0}}  # fmt: skip
    append_jsonl(tmp_path / "samples.jsonl", [record])
    rows = {r.metric: r for r in score_run(tmp_path, {"asr": ["wer"]})}
    assert rows["wer"].value == 1.0  # every reference word deleted


def test_published_numbers_are_scaled_by_the_metric_and_must_name_a_metric(tmp_path):
    path = tmp_path / "reported.csv"
    header = "source,model,input_hz,output_hz,task,metric,value\n"
    path.write_text(
        header + "paper,m,12.5,12.5,spoken-qa,qa_judge_accuracy,61.8\npaper,m,12.5,12.5,spoken-qa,judge_score,4.9\n"
    )
    accuracy, score = load_reported(path)
    assert accuracy.value == pytest.approx(0.618) and score.value == pytest.approx(4.9)
    path.write_text(header + "paper,m,12.5,12.5,spoken-qa,accuracy,61.8\n")
    with pytest.raises(ValueError, match=r"reported.csv:2: unknown metric 'accuracy'; did you mean"):
        load_reported(path)


def test_a_gate_defaults_to_each_metrics_own_tolerance():
    config = GateConfig()
    wer, accuracy = config.rule_for("asr", "4", "wer"), config.rule_for("qa", "4", "qa_accuracy")
    assert (wer.max_regression, wer.relative) == (0.01, False)
    assert (accuracy.max_regression, accuracy.relative) == (0.05, True)


def test_a_metric_with_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind 'speed' is not one of"):
        replace(get_metric("wer"), kind="speed")


def test_a_failing_compute_is_that_samples_error_never_a_score(tmp_path, monkeypatch):
    monkeypatch.setattr(METRICS, "_loaded", {**METRICS._loaded})
    METRICS.replace("wer", replace(get_metric("wer"), compute=lambda r, ctx: SampleScore(float("nan"))))
    record = {"model": "m", "rate_spec": "4", "task": "asr", "sample_id": "a", "status": "ok", "text": "x",
              "reference": {"text": "x"}, "timings": {"t_total": 1.0}}  # fmt: skip
    append_jsonl(tmp_path / "samples.jsonl", [record])
    rows = score_run(tmp_path, {"asr": ["wer"]})
    assert "wer" not in {r.metric for r in rows}
    assert "non-finite" in next(s for s in read_jsonl(tmp_path / "scores.jsonl") if s["metric"] == "wer")["error"]
