"""Metrics that need no speech model: WER and CER against jiwer, answer containment, SI-SDR by hand,
and the LLM judge against a local OpenAI-compatible server. None of these skip when the builtin
extra (faster-whisper, Piper) is absent."""

import json

import numpy as np
import pytest

from tests.judge_server import FakeOpenAI, qa_records, serve
from vfr_bench.jsonl import append_jsonl, read_jsonl
from vfr_bench.metrics import get_metric
from vfr_bench.metrics.judge_settings import JudgeSettings
from vfr_bench.metrics.qa import contains_answer
from vfr_bench.metrics.signal import si_sdr
from vfr_bench.metrics.wer import char_errors, normalise, word_errors
from vfr_bench.records import SampleRecord
from vfr_bench.scoring import ScoringError, score_run


def test_si_sdr_by_hand():
    rng = np.random.default_rng(0)
    ref = rng.standard_normal(16000)
    noise = rng.standard_normal(16000)
    noise -= noise.mean()
    ref_c = ref - ref.mean()
    noise -= np.dot(noise, ref_c) / np.dot(ref_c, ref_c) * ref_c  # orthogonal to the reference
    noise *= np.sqrt(np.sum(ref_c**2) / np.sum(noise**2) / 10 ** (20 / 10))
    assert si_sdr(ref, 3.0 * (ref_c + noise)) == pytest.approx(20.0, abs=1e-6)  # scale does not matter


def test_wer_and_cer_equal_jiwer_on_normalised_text():
    import jiwer

    ref, hyp = "Mr. Smith bought 20 apples, didn't he?", "mister smith bought twenty apple did he"
    r, h = normalise(ref), normalise(hyp)
    edits, words = word_errors(r, h)
    assert edits / words == pytest.approx(jiwer.wer(r, h))
    edits, chars = char_errors(normalise("今天天气很好", "zh"), normalise("今天天汽很好", "zh"))
    assert (edits, chars) == (1, 6)
    record = SampleRecord(
        model="m",
        rate_spec="4",
        task="asr",
        sample_id="a",
        status="ok",
        text="今天天汽很好",
        language="zh",
        reference={"text": "今天天气很好"},
    )
    assert get_metric("wer").compute(record, None) is None  # no words in Chinese: CER applies
    cer = get_metric("cer").compute(record, None)
    assert cer.value == pytest.approx(1 / 6) and cer.detail["recipe"] == "whisper-chars@2"


@pytest.mark.parametrize(
    "response, answers, correct",
    [
        ("The capital of France is Paris.", ["Paris"], True),
        ("It's paris!", ["Paris"], True),
        ("I think it is Lyon.", ["Paris"], False),
        ("There are four legs on a dog.", ["4"], True),
        ("It has 4 legs", ["four"], True),
        ("The Beatles recorded it.", ["Beatles", "The Beatles"], True),
        ("Abraham Lincoln was the 16th president", ["Lincoln", "Abraham Lincoln"], True),
        ("George Washington", ["Abraham Lincoln"], False),
        ("The colour is grey", ["gray"], True),
        ("", ["Paris"], False),
    ],
)
def test_answer_containment(response, answers, correct):
    assert contains_answer(response, answers) is correct


@pytest.fixture
def judge_server():
    url, server = serve()
    yield url
    server.shutdown()


def test_llm_judge_votes_caches_and_records_failures_as_errors(tmp_path, judge_server, monkeypatch):
    monkeypatch.setenv("VFR_BENCH_JUDGE_API_KEY", "sk-test-secret")
    append_jsonl(tmp_path / "samples.jsonl", qa_records(["The capital is Paris.", "The capital is Rome.", "crash"]))
    (tmp_path / "manifest.json").write_text(json.dumps({"argv": [], "models": {}, "tasks": {}}))
    judges = JudgeSettings(llm_url=judge_server, llm_model="judge-1", llm_samples=3)
    rows = score_run(tmp_path, {}, only=["qa_judge_accuracy", "judge_score"], judges=judges)
    scores = {(s["sample_id"], s["metric"]): s for s in read_jsonl(tmp_path / "scores.jsonl")}
    assert scores[("q0", "qa_judge_accuracy")]["value"] == 1.0
    assert scores[("q0", "qa_judge_accuracy")]["detail"]["votes"] == [True, True, True]
    assert scores[("q0", "qa_judge_accuracy")]["judge"] == f"llm:judge-1@{judge_server} x3"
    assert scores[("q1", "qa_judge_accuracy")]["value"] == 0.0
    failed = scores[("q2", "qa_judge_accuracy")]
    assert failed["value"] is None and failed["error"].startswith("JudgeError: LLM judge HTTP 500 (after 4 retries)")
    assert scores[("q0", "judge_score")]["value"] == 4.0
    accuracy = next(r for r in rows if r.metric == "qa_judge_accuracy")
    assert accuracy.n == 2 and accuracy.value == 0.5  # the failure is not a zero
    assert all(r["auth"] == "Bearer sk-test-secret" for r in FakeOpenAI.requests)
    asked = len(FakeOpenAI.requests)
    score_run(tmp_path, {}, only=["qa_judge_accuracy", "judge_score"], judges=judges,
              rescore=["qa_judge_accuracy", "judge_score"])  # fmt: skip
    assert len(FakeOpenAI.requests) == asked + 2 * 5  # cached replies are free: only the failed item asks again
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["metrics"]["qa_judge_accuracy"]["judge_prompt_sha256"]
    assert manifest["metrics"]["qa_judge_accuracy"]["judge"] == "judge-1"


def test_llm_judge_without_an_endpoint_says_what_to_set(tmp_path, monkeypatch):
    monkeypatch.delenv("VFR_BENCH_JUDGE_URL", raising=False)
    monkeypatch.delenv("VFR_BENCH_JUDGE_MODEL", raising=False)
    append_jsonl(
        tmp_path / "samples.jsonl",
        [
            {
                "model": "m",
                "rate_spec": "native",
                "task": "qa",
                "sample_id": "a",
                "status": "ok",
                "requested_input_hz": None,
                "requested_output_hz": None,
                "text": "x",
                "reference": {"answers": ["x"], "question": "q"},
            }
        ],
    )
    with pytest.raises(ScoringError, match="--judge-url and --judge-model"):
        score_run(tmp_path, {}, only=["qa_judge_accuracy"])
