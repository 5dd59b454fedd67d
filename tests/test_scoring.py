import csv

import numpy as np
import pytest

from vfr_bench.jsonl import append_jsonl, read_jsonl
from vfr_bench.metrics import get_metric
from vfr_bench.metrics.wer import normalise, word_errors
from vfr_bench.scoring import score_run
from vfr_bench.stats import bootstrap_ci


def record(sample_id, hyp, ref, spec="6.25", achieved=6.0, t_total=0.1):
    return {
        "model": "m",
        "rate_spec": spec,
        "task": "asr",
        "sample_id": sample_id,
        "status": "ok",
        "requested_input_hz": float(spec),
        "requested_output_hz": float(spec),
        "achieved_input_hz": achieved,
        "achieved_output_hz": None,
        "input_seconds": 2.0,
        "output_seconds": None,
        "text": hyp,
        "language": "en",
        "reference": {"text": ref},
        "timings": {"t_total": t_total, "t_first_token": None, "t_first_audio": None, "t_ar": None},
    }


def test_whisper_normaliser_is_applied_before_wer():
    assert normalise("Mr. Smith paid $20, didn't he?") == normalise("mister smith paid twenty dollars did not he")
    assert word_errors(normalise("Seventeen students."), normalise("17 students")) == (0, 2)


def test_wer_is_corpus_level_total_edits_over_total_words(tmp_path):
    # sample a: 1 error in 2 words; sample b: 0 errors in 8 words -> corpus 1/10, mean of ratios 0.25
    append_jsonl(
        tmp_path / "samples.jsonl",
        [
            record("a", "hello there", "hello world"),
            record("b", "the cat sat on the warm red mat", "the cat sat on the warm red mat"),
            {**record("c", None, "x"), "status": "error", "error": "boom"},
        ],
    )
    rows = score_run(tmp_path, {"asr": ["wer"]})
    wer = next(r for r in rows if r.metric == "wer")
    assert wer.value == pytest.approx(0.1) and wer.n == 2
    with open(tmp_path / "summary.csv") as f:
        summary = {r["metric"]: r for r in csv.DictReader(f)}
    assert float(summary["wer"]["value"]) == pytest.approx(0.1)
    assert float(summary["achieved_input_hz"]["value"]) == pytest.approx(6.0)
    assert float(summary["input_rate_abs_error"]["value"]) == pytest.approx(0.04)


def test_rescoring_computes_only_new_samples(tmp_path):
    append_jsonl(tmp_path / "samples.jsonl", [record("a", "hello", "hello")])
    score_run(tmp_path, {"asr": ["wer"]})
    n_first = len(read_jsonl(tmp_path / "scores.jsonl"))
    score_run(tmp_path, {"asr": ["wer"]})
    assert len(read_jsonl(tmp_path / "scores.jsonl")) == n_first
    append_jsonl(tmp_path / "samples.jsonl", [record("b", "world", "word")])
    rows = score_run(tmp_path, {"asr": ["wer"]})
    assert len(read_jsonl(tmp_path / "scores.jsonl")) == 2 * n_first
    assert next(r for r in rows if r.metric == "wer").value == pytest.approx(0.5)


def test_latency_percentiles(tmp_path):
    append_jsonl(tmp_path / "samples.jsonl", [record(str(i), "a", "a", t_total=float(i)) for i in range(1, 101)])
    rows = {r.metric: r for r in score_run(tmp_path, {"asr": []})}
    assert rows["t_total_p50"].value == pytest.approx(50.5)
    assert rows["t_total_p95"].value == pytest.approx(np.percentile(np.arange(1, 101), 95))
    assert rows["t_total_p50"].ci_low < 50.5 < rows["t_total_p50"].ci_high


def test_bootstrap_ci_covers_the_true_corpus_wer_and_shrinks_with_n():
    rng = np.random.default_rng(1)
    wer = get_metric("wer")
    widths = []
    for n in (20, 500):
        den = rng.integers(5, 20, n).astype(float)
        num = rng.binomial(den.astype(int), 0.2).astype(float)
        low, high = bootstrap_ci(wer.aggregation, num / den, num, den, seed=0)
        assert low < num.sum() / den.sum() < high
        widths.append(high - low)
    assert widths[1] < widths[0] / 3


def test_a_metric_failing_on_one_sample_is_recorded_and_the_rest_are_scored(tmp_path, monkeypatch):
    from vfr_bench.metrics import wer as wer_module

    real = wer_module.word_errors

    def flaky(ref, hyp):
        if "poison" in hyp:
            raise RuntimeError("cannot align")
        return real(ref, hyp)

    monkeypatch.setattr(wer_module, "word_errors", flaky)
    append_jsonl(tmp_path / "samples.jsonl", [record("a", "poison", "hello"), record("b", "hello world", "hello word")])
    rows = {r.metric: r for r in score_run(tmp_path, {"asr": ["wer"]})}
    assert rows["wer"].value == pytest.approx(0.5) and rows["wer"].n == 1
    failed = [s for s in read_jsonl(tmp_path / "scores.jsonl") if s.get("error")]
    assert len(failed) == 1 and failed[0]["sample_id"] == "a" and "cannot align" in failed[0]["error"]


def test_a_non_finite_metric_value_is_an_error_not_a_crash(tmp_path, monkeypatch):
    from dataclasses import replace

    from vfr_bench import metrics
    from vfr_bench.metrics.base import SampleScore

    # like SI-SDR on a silent output: log10(0) is -inf
    fake = replace(
        metrics.get_metric("wer"),
        compute=lambda r, ctx=None: SampleScore(float("-inf") if r.text == "silence" else 0.0, 0.0, 1.0),
    )
    monkeypatch.setattr(metrics.METRICS, "_loaded", {**metrics.METRICS._loaded})  # undone after the test
    metrics.METRICS.replace("wer", fake)
    append_jsonl(tmp_path / "samples.jsonl", [record("a", "silence", "x"), record("b", "hello", "hello")])
    rows = score_run(tmp_path, {"asr": ["wer"]})
    failed = [s for s in read_jsonl(tmp_path / "scores.jsonl") if s.get("error")]
    assert len(failed) == 1 and "non-finite" in failed[0]["error"]
    assert next(r for r in rows if r.metric == "wer").n == 1


def test_metric_provenance_never_fails_a_run_for_a_missing_package(monkeypatch):
    """Seen on the GPU machine: without whisper-normalizer installed, writing the manifest failed."""
    from importlib.metadata import PackageNotFoundError

    from vfr_bench import provenance

    def missing(name):
        raise PackageNotFoundError(name)

    monkeypatch.setattr(provenance, "version", missing)
    assert get_metric("wer").describe()["normaliser_version"] is None
    assert get_metric("qa_accuracy").describe()["normaliser_version"] is None
