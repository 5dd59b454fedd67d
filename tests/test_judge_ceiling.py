"""The judge ceiling speaks each reference answer the way a model answers, records how, never mixes
two forms (or judges) in one run's ceiling, and cannot score a carrier word as a correct answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from vfr_bench.cli import main
from vfr_bench.data.builtin_speech import questions
from vfr_bench.jsonl import append_jsonl, read_jsonl
from vfr_bench.metrics import context
from vfr_bench.metrics.context import ScoringContext
from vfr_bench.metrics.judge_settings import JudgeSettings
from vfr_bench.metrics.qa import contains_answer
from vfr_bench.run_check import problems
from vfr_bench.scoring.ceiling import CARRIER, CeilingError, add_ceiling, score_ceiling, spoken_form

TINY = JudgeSettings()  # faster-whisper tiny.en, offline


def qa_record(sample_id: str, answers: list[str], language: str = "en", **fields) -> dict:
    return {
        "model": "m", "rate_spec": "6.25", "task": "spoken-qa", "sample_id": sample_id, "status": "ok",
        "requested_input_hz": 6.25, "requested_output_hz": 6.25, "text": "no idea", "language": language,
        "reference": {"question": "?", "answers": answers}, "timings": {"t_total": 1.0}, **fields,
    }  # fmt: skip


def make_run(folder: Path, answers: dict[str, list[str]]) -> Path:
    append_jsonl(folder / "samples.jsonl", [qa_record(i, a) for i, a in answers.items()])
    (folder / "manifest.json").write_text(json.dumps({"argv": [], "models": {}, "tasks": {}}))
    return folder


def ceiling_lines(run: Path) -> list[dict]:
    return [s for s in read_jsonl(run / "scores.jsonl") if s["model"] == "judge-ceiling"]


def builtin(*ids: str) -> dict[str, list[str]]:
    return {q["id"]: q["answers"] for q in questions() if q["id"] in ids}


# ---- what is spoken ----------------------------------------------------------------------------


def test_an_english_answer_is_spoken_in_the_carrier_and_bare_on_request():
    carrier = spoken_form(["Madrid"], "en")
    assert (carrier.text, carrier.form, carrier.bare_because) == (
        "The answer is Madrid.", "carrier:The answer is {answer}.", None,
    )  # fmt: skip
    assert spoken_form(["the Moon", "Moon"], "en-US").text == "The answer is the Moon."
    bare = spoken_form(["Madrid"], "en", "bare")
    assert (bare.text, bare.form) == ("Madrid", "bare")
    with pytest.raises(CeilingError, match="unknown judge-ceiling form 'sung'.*carrier, bare"):
        spoken_form(["Madrid"], "en", "sung")


def test_a_question_in_another_language_is_spoken_bare_and_says_why():
    spoken = spoken_form(["Madrid"], "es")
    assert (spoken.text, spoken.form) == ("Madrid", "bare")
    assert "'es'" in (spoken.bare_because or "")


# ---- a carrier word never counts as the answer -------------------------------------------------


@pytest.mark.parametrize("answers", [["is"], ["Answer"], ["the answer"], ["an answer"], ["yes", "Is"]])
def test_an_answer_sharing_a_word_with_the_carrier_is_spoken_bare(answers):
    # the hazard: the carrier's own words match such an answer even when the answer itself was misheard
    assert contains_answer(CARRIER.format(answer="something else"), answers)
    spoken = spoken_form(answers, "en")
    assert (spoken.text, spoken.form) == (answers[0], "bare")
    assert "shares" in (spoken.bare_because or "")


def test_no_builtin_question_is_scored_correct_when_only_the_carrier_was_heard():
    """A transcript whose answer was misheard is wrong for every built-in question spoken in the carrier."""
    spoken = [(q, spoken_form(q["answers"], "en")) for q in questions()]
    assert all(s.form.startswith("carrier:") for _, s in spoken)  # no built-in answer shares a carrier word
    for misheard in ["", "Hey", "My great", "something else entirely"]:
        heard = [q["id"] for q, _ in spoken if contains_answer(CARRIER.format(answer=misheard), q["answers"])]
        assert heard == []


# ---- one form, one judge, one version per run ----------------------------------------------------


def test_old_bare_ceiling_scores_are_replaced_not_mixed(tmp_path):
    run = make_run(tmp_path, builtin("qa-000", "qa-001"))  # Paris, Tokyo
    old = {"model": "judge-ceiling", "rate_spec": "native", "task": "spoken-qa", "metric": "qa_accuracy_s2s",
           "metric_version": "1", "value": 0.0, "judge": TINY.asr_judge_id}  # fmt: skip
    other = {**old, "model": "m", "rate_spec": "6.25", "metric": "qa_accuracy", "metric_version": "1"}
    append_jsonl(run / "scores.jsonl", [
        {**old, "sample_id": "qa-000", "detail": {"spoken": "Paris", "transcript": "Paris's."}},
        {**old, "sample_id": "qa-001", "detail": {"spoken": "Tokyo", "transcript": "Tokyo."}},
        {**other, "sample_id": "qa-000"},
    ])  # fmt: skip
    rows = score_ceiling(run, TINY)
    lines = ceiling_lines(run)
    assert [(s["sample_id"], s["metric_version"], s["detail"]["spoken"]) for s in lines] == [
        ("qa-000", "2", "The answer is Paris."), ("qa-001", "2", "The answer is Tokyo."),
    ]  # fmt: skip
    assert all(s["detail"]["form"] == "carrier:The answer is {answer}." for s in lines)
    assert len([s for s in read_jsonl(run / "scores.jsonl") if s["model"] == "m"]) == 1  # the model's kept
    row = next(r for r in rows if r.model == "judge-ceiling")
    assert (row.n, row.value) == (2, 1.0)  # the old zeros are gone, not averaged in
    assert [p for p in problems(run) if "repeats" in p] == []  # no repeated key: the run still checks
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["judges"]["judge_ceiling"]["form"] == "carrier:The answer is {answer}."


def test_a_form_change_rescores_and_a_switch_back_reads_the_cache(tmp_path, monkeypatch):
    run = make_run(tmp_path, builtin("qa-000", "qa-001"))
    score_ceiling(run, TINY)
    rows = score_ceiling(run, TINY, "bare")
    assert [(s["detail"]["spoken"], s["detail"]["form"]) for s in ceiling_lines(run)] == [
        ("Paris", "bare"), ("Tokyo", "bare")
    ]  # fmt: skip
    assert next(r for r in rows if r.model == "judge-ceiling").n == 2
    assert json.loads((run / "manifest.json").read_text())["judges"]["judge_ceiling"]["form"] == "bare"
    keys = {e["key"] for e in read_jsonl(run / "judge_cache" / "ceiling_transcripts.jsonl")}
    assert any(k.endswith("|The answer is Paris.") for k in keys) and any(k.endswith("|Paris") for k in keys)

    def no_judge(settings):
        raise AssertionError("the transcripts of both forms are cached: no judge should load")

    monkeypatch.setattr(context, "load_judge", no_judge)
    score_ceiling(run, TINY)
    assert [s["detail"]["spoken"] for s in ceiling_lines(run)] == ["The answer is Paris.", "The answer is Tokyo."]
    assert score_ceiling(run, TINY) and len(ceiling_lines(run)) == 2  # nothing new, nothing repeated


def test_a_ceiling_from_another_judge_than_the_models_is_refused(tmp_path):
    run = make_run(tmp_path, {"q0": ["Paris"]})
    append_jsonl(run / "scores.jsonl", [{
        "model": "m", "rate_spec": "6.25", "task": "spoken-qa", "sample_id": "q0", "metric": "qa_accuracy_s2s",
        "metric_version": "1", "value": 1.0, "judge": "faster-whisper:base",
    }])  # fmt: skip
    with pytest.raises(CeilingError, match="made with faster-whisper:base.*faster-whisper:tiny.en.*--asr-judge"):
        add_ceiling(ScoringContext(run, TINY))
    assert ceiling_lines(run) == []


# ---- the command line --------------------------------------------------------------------------


def test_ceiling_form_without_the_ceiling_is_a_usage_error(tmp_path):
    run = make_run(tmp_path, {"q0": ["Paris"]})
    result = CliRunner().invoke(main, ["score", str(run), "--ceiling-form", "bare"])
    assert result.exit_code == 2 and "--judge-ceiling" in result.output


def test_score_judge_ceiling_real_tts_and_judge_on_builtin_questions(tmp_path):
    """Madrid and eight: single words tiny.en mishears bare ("My great.", "Hey."); in the carrier
    they are heard. Real Piper speech, real Whisper tiny.en, through `vfr-bench score`."""
    run = make_run(tmp_path, builtin("qa-003", "qa-018"))
    result = CliRunner().invoke(main, ["score", str(run), "--judge-ceiling"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = {s["sample_id"]: s for s in ceiling_lines(run)}
    assert lines["qa-003"]["detail"]["spoken"] == "The answer is Madrid."
    assert lines["qa-018"]["detail"]["spoken"] == "The answer is eight."
    assert all(s["value"] == 1.0 and s["judge"] == "faster-whisper:tiny.en" for s in lines.values()), lines
    summary = (run / "summary.csv").read_text()
    assert "judge-ceiling,spoken-qa,native,1,,,qa_accuracy_s2s,1.0," in summary  # batch size 1
    result = CliRunner().invoke(main, ["score", str(run), "--judge-ceiling", "--ceiling-form", "bare"])
    assert result.exit_code == 0, result.output
    assert {s["detail"]["form"] for s in ceiling_lines(run)} == {"bare"} and len(ceiling_lines(run)) == 2


def test_a_batching_judge_transcribes_the_spoken_answers_in_batches(tmp_path, monkeypatch):
    from vfr_bench.metrics.asr_judge import FasterWhisperJudge

    real, sizes = FasterWhisperJudge.transcribe_batch, []
    monkeypatch.setattr(FasterWhisperJudge, "transcribe_batch", lambda self, c: sizes.append(len(c)) or real(self, c))
    run = make_run(tmp_path, builtin("qa-000", "qa-001", "qa-003", "qa-018", "qa-002"))
    score_ceiling(run, JudgeSettings(asr_batch=4))
    assert sizes == [4, 1]  # five answers, four a batch
    lines = ceiling_lines(run)
    assert len(lines) == 5 and {s["judge"] for s in lines} == {"faster-whisper:tiny.en+batched"}
    assert sum(s["value"] for s in lines) >= 4  # Paris, Tokyo, Madrid, eight and one more, heard in a carrier
