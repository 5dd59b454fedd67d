"""The contract validator finds each kind of broken run directory (faults injected into a good one)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.helpers import assert_conforms, make_registry, write_manifest
from vfr_bench.cli import main
from vfr_bench.rates import parse_rate_specs
from vfr_bench.run import RunConfig, Runner
from vfr_bench.run_check import problems
from vfr_bench.scoring import score_run
from vfr_bench.task_files import all_tasks


@pytest.fixture
def run(tmp_path):
    tasks = all_tasks()
    config = RunConfig(
        models=["counting"], rate_specs=parse_rate_specs("6.25"), tasks=[tasks["asr"], tasks["rate-fidelity"]],
        out=tmp_path / "run", data=str(write_manifest(tmp_path / "data", n=2)), warmup=0,
    )  # fmt: skip
    Runner(config, registry=make_registry()).run()
    score_run(tmp_path / "run", {"asr": ["wer"]})
    assert_conforms(tmp_path / "run")
    return tmp_path / "run"


def rewrite(path, change):
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(r) + "\n" for r in change(lines)))


def test_a_sample_line_that_breaks_the_schema(run):
    rewrite(run / "samples.jsonl", lambda rs: [{**rs[0], "n_input_tokens": "many", "colour": "red"}, *rs[1:]])
    found = problems(run)
    assert any("samples.jsonl line 1: n_input_tokens" in p for p in found)
    assert any("samples.jsonl line 1: colour: Extra inputs are not permitted" in p for p in found)


def test_status_error_without_its_message_and_a_repeated_sample(run):
    rewrite(run / "samples.jsonl", lambda rs: [{**rs[0], "status": "error", "error": None}, *rs[1:], rs[1]])
    found = problems(run)
    assert any("status error without an error message" in p for p in found)
    assert any("repeats line 2" in p for p in found)  # an ok sample recorded twice


def test_a_retry_may_follow_an_error_and_nothing_else_may_repeat(run):
    def retried(rs):
        return [{**rs[0], "status": "error", "error": "AudioError: gone"}, *rs]  # the error, then its retry

    rewrite(run / "samples.jsonl", retried)
    assert problems(run) == []


def test_missing_audio_and_an_ok_sample_without_a_time(run):
    def change(rs):
        with_audio = next(i for i, r in enumerate(rs) if r["audio"])
        (run / rs[with_audio]["audio"]).unlink()
        rs[0]["timings"]["t_total"] = None
        return rs

    rewrite(run / "samples.jsonl", change)
    found = problems(run)
    assert any("is missing" in p for p in found) and any("without timings.t_total" in p for p in found)


def test_scores_of_unknown_samples_and_scores_with_neither_value_nor_error(run):
    rewrite(run / "scores.jsonl", lambda rs: [{**rs[0], "sample_id": "ghost"}, {**rs[1], "value": None}, *rs[2:]])
    found = problems(run)
    assert any("scores a sample samples.jsonl does not hold" in p for p in found)
    assert any("neither a value nor an error" in p for p in found)


def test_a_summary_row_with_no_scores_behind_it(run):
    text = (run / "summary.csv").read_text().replace(",wer,", ",cer,")
    (run / "summary.csv").write_text(text)
    assert any("cer of" in p and "has no scores behind it" in p for p in problems(run))


def test_a_manifest_that_misses_the_samples_task_or_is_not_one(run):
    manifest = json.loads((run / "manifest.json").read_text())
    del manifest["tasks"]["asr"]
    (run / "manifest.json").write_text(json.dumps(manifest))
    assert "manifest.json lacks task 'asr' of the samples" in problems(run)
    (run / "manifest.json").write_text(json.dumps({**manifest, "argv": "not a list"}))
    assert any(p.startswith("manifest.json: argv") for p in problems(run))


def test_the_check_command_says_conforms_or_lists_problems(run):
    ok = CliRunner().invoke(main, ["check", str(run)])
    assert ok.exit_code == 0 and "conforms" in ok.output
    (run / "summary.csv").unlink()
    bad = CliRunner().invoke(main, ["check", str(run)])
    assert bad.exit_code == 1 and "missing summary.csv" in bad.output
