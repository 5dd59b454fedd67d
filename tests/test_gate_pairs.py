"""The gate on runs of several models (the default run holds two): models are paired by name, one
verdict each, one exit code for all (the worst); a model the candidate lost fails; a pair that cannot
be compared makes the whole gate exit 2 while the other pairs keep their verdicts; and
--baseline-model/--candidate-model still compare two differently named models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.test_gate import draw_edits, synthetic_run, utterances
from vfr_bench.cli import main
from vfr_bench.scoring import score_run


@pytest.fixture(scope="module")
def data():
    lengths, p = utterances(80, seed=11)
    return lengths, p, draw_edits(lengths, p, seed=12)


def several(path: Path, models: dict[str, dict]) -> Path:
    """One run directory holding each model's synthetic run (kwargs of synthetic_run; `rate` moves a
    model's records to another rate spec), scored as one run."""
    path.mkdir()
    manifest: dict = {}
    for i, (model, kwargs) in enumerate(models.items()):
        rate = kwargs.pop("rate", None)
        one = synthetic_run(path.parent / f"{path.name}-{model}", model=model, seed=i, **kwargs)
        for name in ("samples.jsonl", "scores.jsonl"):
            lines = [json.loads(line) for line in (one / name).read_text().splitlines()]
            if rate is not None:
                lines = [{**r, "rate_spec": rate, **({"requested_input_hz": float(rate)} if name[0] == "s" and
                          "requested_input_hz" in r else {})} for r in lines]  # fmt: skip
            with (path / name).open("a") as out:
                out.writelines(json.dumps(r) + "\n" for r in lines)
        this = json.loads((one / "manifest.json").read_text())
        manifest = {**this, "models": {**manifest.get("models", {}), **this["models"]}}
    (path / "manifest.json").write_text(json.dumps(manifest))
    score_run(path, {"asr": ["wer"]})  # the summary of the merged run
    return path


def gate(tmp_path: Path, base: Path, cand: Path, *args: str) -> tuple[int, dict, str, str]:
    verdict, comment = tmp_path / "verdict.json", tmp_path / "pr.md"
    command = ["gate", "--baseline", str(base), "--candidate", str(cand), "--json", str(verdict)]
    result = CliRunner().invoke(main, [*command, "--markdown", str(comment), *args])
    return result.exit_code, json.loads(verdict.read_text()), comment.read_text(), result.output


def test_runs_of_two_models_are_paired_by_name_with_one_verdict_each(tmp_path, data):
    lengths, p, edits = data
    base = several(tmp_path / "b", {"m1": dict(edits=edits, lengths=lengths), "m2": dict(edits=edits, lengths=lengths)})
    cand = several(tmp_path / "c", {"m1": dict(edits=edits, lengths=lengths), "m2": dict(edits=edits, lengths=lengths)})
    code, verdict, comment, output = gate(tmp_path, base, cand)
    assert code == 0, output
    assert verdict["verdict"] == "pass" and verdict["paired_by"] == "model name" and verdict["exit_code"] == 0
    assert [(m["baseline"]["model"], m["candidate"]["model"], m["verdict"]) for m in verdict["models"]] == [
        ("m1", "m1", "pass"), ("m2", "m2", "pass"),
    ]  # fmt: skip
    wer = [next(c for c in m["cells"] if c["metric"] == "wer") for m in verdict["models"]]
    assert all(c["delta"] == 0 and c["n"] == 80 for c in wer)
    assert comment.startswith("## vfr-bench gate: PASS: 2 models paired by name (0 failed, 0 not comparable; exit 0)")
    assert "\n### vfr-bench gate: PASS: m1 (b) vs m1 (c)" in comment and "\n### vfr-bench gate: PASS: m2 (b)" in comment


def test_one_regressed_model_fails_the_gate_and_the_other_keeps_its_pass(tmp_path, data):
    lengths, p, edits = data
    worse = draw_edits(lengths, p + 0.08, seed=13)
    base = several(tmp_path / "b", {"m1": dict(edits=edits, lengths=lengths), "m2": dict(edits=edits, lengths=lengths)})
    cand = several(tmp_path / "c", {"m1": dict(edits=edits, lengths=lengths), "m2": dict(edits=worse, lengths=lengths)})
    code, verdict, comment, _ = gate(tmp_path, base, cand)
    assert code == 1 and verdict["verdict"] == "fail"
    by_model = {m["baseline"]["model"]: m for m in verdict["models"]}
    assert by_model["m1"]["verdict"] == "pass" and by_model["m2"]["verdict"] == "fail"
    wer = next(c for c in by_model["m2"]["cells"] if c["metric"] == "wer")
    assert wer["verdict"] == "fail" and wer["ci_low"] > 0
    assert comment.startswith("## vfr-bench gate: FAIL: 2 models paired by name (1 failed, 0 not comparable; exit 1)")


def test_a_model_the_candidate_lost_fails_and_a_new_one_is_named_not_gated(tmp_path, data):
    lengths, p, edits = data
    base = several(tmp_path / "b", {"m1": dict(edits=edits, lengths=lengths), "m2": dict(edits=edits, lengths=lengths)})
    cand = several(tmp_path / "c", {"m1": dict(edits=edits, lengths=lengths), "m3": dict(edits=edits, lengths=lengths)})
    code, verdict, comment, _ = gate(tmp_path, base, cand)
    assert code == 1 and verdict["verdict"] == "fail"
    assert verdict["lost_models"] == ["m2"] and verdict["new_models"] == ["m3"]
    assert [m["verdict"] for m in verdict["models"]] == ["pass"]  # m1, the one pair
    assert "- **FAIL:** model `m2` is in the baseline run but not in the candidate's" in comment
    assert "- not gated: model `m3` is in the candidate run only (no baseline)" in comment


def test_the_exit_code_is_the_worst_a_pair_that_cannot_be_compared_exits_2_beside_a_failure(tmp_path, data):
    lengths, p, edits = data
    worse = draw_edits(lengths, p + 0.08, seed=13)
    base = several(tmp_path / "b", {"m1": dict(edits=edits, lengths=lengths), "m2": dict(edits=edits, lengths=lengths)})
    cand = several(
        tmp_path / "c", {"m1": dict(edits=worse, lengths=lengths), "m2": dict(edits=edits, lengths=lengths, rate="4")}
    )
    code, verdict, comment, output = gate(tmp_path, base, cand)
    assert code == 2 and verdict["verdict"] == "cannot-compare" and verdict["exit_code"] == 2
    by_model = {m["baseline"]["model"]: m for m in verdict["models"]}
    assert by_model["m1"]["verdict"] == "fail"  # still judged and reported
    assert by_model["m2"]["verdict"] == "cannot-compare" and "no shared cells" in by_model["m2"]["reason"]
    assert "### m2: no verdict" in comment and "(1 failed, 1 not comparable; exit 2)" in comment
    assert "cannot compare m2: no shared cells" in output


def test_two_differently_named_models_are_still_compared_when_named(tmp_path, data):
    lengths, p, edits = data
    base = several(tmp_path / "b", {"m-a": dict(edits=edits, lengths=lengths), "x": dict(edits=edits, lengths=lengths)})
    cand = several(tmp_path / "c", {"m-b": dict(edits=edits, lengths=lengths), "y": dict(edits=edits, lengths=lengths)})
    code, verdict, _, output = gate(tmp_path, base, cand)
    assert code == 2 and "no model is in both runs" in verdict["reason"] and "--baseline-model" in verdict["reason"]
    code, verdict, _, output = gate(tmp_path, base, cand, "--baseline-model", "m-a", "--candidate-model", "m-b")
    assert code == 0, output
    assert verdict["baseline"]["model"] == "m-a" and verdict["candidate"]["model"] == "m-b" and "models" not in verdict
    code, verdict, _, _ = gate(tmp_path, base, base, "--baseline-model", "x")  # the other side: the same name
    assert code == 0 and verdict["candidate"]["model"] == "x"
