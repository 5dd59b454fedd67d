"""WER recipes beyond the parity cases: the pinned normaliser is Whisper's own, a new recipe version is
scored again rather than mixed with the old, a gate refuses runs of two recipes and names them, and
a published number is drawn only beside a metric of its recipe."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from vfr_bench.jsonl import append_jsonl, read_jsonl
from vfr_bench.metrics import METRICS, SampleScore, get_metric
from vfr_bench.metrics.recipe_text import WHISPER_REPLACERS, sacrebleu_zh_tokenise, whisper_english
from vfr_bench.metrics.wer import normalise, word_errors
from vfr_bench.records import ScoreRecord
from vfr_bench.report.points import ReportedPoint, load_reported
from vfr_bench.scoring import score_run

REPORTED = Path(__file__).resolve().parents[1] / "results" / "reported" / "flexislm_readme.csv"
# what whisper-normalizer's EnglishTextNormalizer adds to Whisper's (the cases of issue 18)
PACKAGE_ONLY = {r"\bkinda\b": "kind of", r"\bsorta\b": "sort of", r"\bdunno\b": "do not know", r"\bcause\b": "because"}
WORDS = [
    "i", "kinda", "sorta", "dunno", "cause", "'cause", "gonna", "won't", "it's", "mr.", "st", "colour", "grey",
    "twenty", "one", "oh", "first", "hundred", "and", "a", "half", "point", "five", "percent", "dollars", "cents",
    "£", "$", "%", "3.5", "1,000", "1st", "[noise]", "(laughs)", "um", "uh", "-", ",", ".", "'", "naïve", "e-mail",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=12), st.lists(st.sampled_from(["", " "]), min_size=12, max_size=12))
def test_the_pinned_normaliser_is_whispers_own_and_whisper_normalizer_differs_only_by_its_four_rules(words, gaps):
    from whisper_normalizer.english import EnglishTextNormalizer

    text = "".join(w + g for w, g in zip(words, gaps))
    package = EnglishTextNormalizer()
    assert set(package.replacers) - set(WHISPER_REPLACERS) == set(PACKAGE_ONLY)
    assert set(WHISPER_REPLACERS) <= set(package.replacers)
    if not re.search(r"\b(kinda|sorta|dunno|cause)\b", text.lower()):
        assert whisper_english()(text) == package(text)
    for pattern in PACKAGE_ONLY:
        del package.replacers[pattern]
    assert whisper_english()(text) == package(text)  # the same code once those rules are gone


def test_the_package_rules_are_what_the_kits_do_not_apply():
    assert whisper_english()("I kinda like it, 'cause I dunno") == "i kinda like it cause i dunno"


@pytest.mark.parametrize(
    "line, tokens",
    [
        ("3.5% of $20", "3.5 % of $ 20"),  # 13a rules: a period between digits stays
        ("你好world", "你 好 world"),  # each CJK character apart
        ("a\u200bb", "a \u200b b"),  # U+200B: inside the range sacreBLEU writes as ('\u20000', '\u2a6d6')
        ("x\u2a6ey", "x\u2a6ey"),  # U+2A6E: just past it
        ("  a  ,b ", "a , b"),
    ],
)
def test_the_pinned_tokeniser_is_sacrebleu_1_5_1_zh(line, tokens):
    assert sacrebleu_zh_tokenise(line) == tokens


def sample(sample_id: str, hyp: str, ref: str, model: str = "m") -> dict:
    return {
        "model": model, "rate_spec": "6.25", "task": "asr", "sample_id": sample_id, "status": "ok",
        "requested_input_hz": 6.25, "requested_output_hz": 6.25, "achieved_input_hz": 6.25, "input_rate_error": 0.0,
        "achieved_output_hz": None, "input_seconds": 2.0, "output_seconds": None, "text": hyp, "language": "en",
        "reference": {"text": ref}, "timings": {"t_total": 0.1, "t_first_token": None, "t_first_audio": None,
                                                "t_ar": None},
    }  # fmt: skip


PAIRS = [("i kinda like it", "I kind of like it"), ("null", "hello world"), ("the rate is 3.5%", "The rate is 3.5%")]
# what vfr-bench before issue 18 recorded for `wer` (version 1, whisper-normalizer's normaliser)
OLD_WER = {
    "normaliser": "whisper_normalizer EnglishTextNormalizer (en) / BasicTextNormalizer",
    "normaliser_version": "0.1.15",
    "jiwer_version": "4.0.0",
}


def make_run(path: Path, model: str = "m") -> Path:
    path.mkdir(parents=True)
    append_jsonl(path / "samples.jsonl", [sample(f"s{i}", h, r, model) for i, (h, r) in enumerate(PAIRS)])
    manifest = {
        "argv": ["test"], "models": {model: {}}, "hardware": {"cpu": "test cpu", "gpus": []},
        "tasks": {"asr": {"metrics": ["wer"], "dataset": {"content_hash": "sha256:data"}}},
    }  # fmt: skip
    (path / "manifest.json").write_text(json.dumps(manifest))
    return path


def old_compute(record, ctx):
    """`wer` version 1: whisper-normalizer's normaliser, jiwer words, every prediction scored."""
    edits, words = word_errors(normalise(record.reference.text), normalise(record.text))
    return SampleScore(edits / words if words else float(edits > 0), edits, words)


@pytest.fixture
def metrics(monkeypatch):
    """The registry, restored after the test; `old()` puts vfr-bench's version 1 of `wer` in place."""
    monkeypatch.setattr(METRICS, "_loaded", {**METRICS._loaded})
    new = get_metric("wer")
    old = replace(new, version="1", compute=old_compute, provenance=lambda ctx=None: dict(OLD_WER))
    yield {"old": lambda: METRICS.replace("wer", old), "new": lambda: METRICS.replace("wer", new)}
    METRICS.replace("wer", new)


def test_a_new_recipe_version_scores_again_instead_of_mixing_with_the_old(tmp_path, metrics):
    metrics["old"]()
    run = make_run(tmp_path / "run")
    score_run(run, {"asr": ["wer"]})
    old = [s for s in read_jsonl(run / "scores.jsonl") if s["metric"] == "wer"]
    assert [s["metric_version"] for s in old] == ["1"] * 3  # version 1 scored "null" too
    metrics["new"]()
    ceiling = ScoreRecord(model="judge-ceiling", rate_spec="native", task="asr", sample_id="q", metric="wer",
                          metric_version="0", value=0.0)  # fmt: skip
    append_jsonl(run / "scores.jsonl", [json.loads(ceiling.to_json())])  # no sample of the run: left alone
    rows = {r.metric: r for r in score_run(run, {"asr": ["wer"]})}
    scores = [s for s in read_jsonl(run / "scores.jsonl") if s["metric"] == "wer" and s["model"] == "m"]
    assert sorted((s["sample_id"], s["metric_version"]) for s in scores) == [("s0", "2"), ("s2", "2")]
    assert {s["detail"]["recipe"] for s in scores} == {"kimi-audio-evalkit@4080c49"}
    assert rows["wer"].value == pytest.approx(2 / 10) and rows["wer"].n == 2  # "null" left out, as the kit does
    assert any(s["model"] == "judge-ceiling" for s in read_jsonl(run / "scores.jsonl"))
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["metrics"]["wer"]["version"] == "2"
    assert manifest["metrics"]["wer"]["recipe"] == "kimi-audio-evalkit@4080c49"


def gate(tmp_path: Path, base: Path, cand: Path) -> tuple[int, dict]:
    from vfr_bench.cli import main

    out = tmp_path / "verdict.json"
    result = CliRunner().invoke(main, ["gate", "--baseline", str(base), "--candidate", str(cand), "--json", str(out)])
    return result.exit_code, json.loads(out.read_text())


def test_a_gate_refuses_runs_scored_with_two_recipes_and_names_them(tmp_path, metrics):
    metrics["old"]()
    base = make_run(tmp_path / "old")
    score_run(base, {"asr": ["wer"]})
    metrics["new"]()
    cand = make_run(tmp_path / "new", model="other")
    score_run(cand, {"asr": ["wer"]})
    code, verdict = gate(tmp_path, base, cand)
    assert code == 2 and verdict["verdict"] == "cannot-compare"
    assert "metric 'wer': recipe differs (baseline None, candidate 'kimi-audio-evalkit@4080c49')" in verdict["reason"]
    assert "metric 'wer': version differs (baseline '1', candidate '2')" in verdict["reason"]
    score_run(base, {"asr": ["wer"]})  # scored again by this version: now the two compare
    code, verdict = gate(tmp_path, base, cand)
    assert verdict["verdict"] != "cannot-compare", verdict


def test_every_published_number_names_its_recipe():
    reported = load_reported(REPORTED)
    assert reported and {r.recipe for r in reported} == {"kimi-audio-evalkit"}


def test_a_published_number_is_drawn_only_beside_its_own_recipe():
    from vfr_bench.report.fig_pareto import _number_reported

    def point(metric: str, recipe: str | None) -> ReportedPoint:
        return ReportedPoint("paper", "m", "librispeech-test-clean", 12.5, 12.5, metric, 0.02, recipe)

    panels = [("librispeech-test-clean", "wer"), ("librispeech-test-clean", "wer_uro")]
    reported = [point("wer", "kimi-audio-evalkit"), point("wer", "uro-bench"), point("wer", None),
                point("wer_uro", "uro-bench"), point("wer_uro", "kimi-audio-evalkit")]  # fmt: skip
    drawn = {key: [r.recipe for _, r in rows] for key, rows in _number_reported(reported, panels).items()}
    assert drawn == {panels[0]: ["kimi-audio-evalkit"], panels[1]: ["uro-bench"]}
    # a metric that names no recipe (an LLM judge's) draws the numbers of its task and metric as before
    judged = [ReportedPoint("paper", "m", "qa", 12.5, 12.5, "qa_judge_accuracy", 0.6, None)]
    assert len(_number_reported(judged, [("qa", "qa_judge_accuracy")])[("qa", "qa_judge_accuracy")]) == 1


def test_a_reported_csv_without_the_recipe_column_still_loads(tmp_path):
    path = tmp_path / "reported.csv"
    path.write_text(
        "source,model,input_hz,output_hz,task,metric,value\npaper,m,12.5,12.5,sd-qa,qa_judge_accuracy,61.8\n"
    )
    (point,) = load_reported(path)
    assert point.recipe is None and point.value == pytest.approx(0.618)
