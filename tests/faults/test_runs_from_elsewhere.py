"""Runs made elsewhere: a newer schema is refused by every reader; the gate compares task definitions
and data sample by sample, not only names; a run gated against itself says so."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.report_runs import write_quality_run
from vfr_bench import load
from vfr_bench.cli import main
from vfr_bench.run_dir import RunDirError

NEWER = "schema_version 99 is newer than this vfr-bench reads"


def newer_run(tmp_path):
    run = write_quality_run(tmp_path / "run")
    manifest = json.loads((run / "manifest.json").read_text())
    manifest.update(schema_version=99, a_field_of_the_future={"x": 1})
    (run / "manifest.json").write_text(json.dumps(manifest))
    return run


def test_a_run_of_a_newer_schema_is_refused_by_every_reader(tmp_path):
    run = newer_run(tmp_path)
    with pytest.raises(RunDirError, match=NEWER):
        load(run)
    other = write_quality_run(tmp_path / "other")
    for argv in (
        ["report", str(run), "--out", str(tmp_path / "report")],
        ["score", str(run)],
        ["gate", "--baseline", str(other), "--candidate", str(run), "--baseline-model", "flexislm-7b"],
    ):
        result = CliRunner().invoke(main, argv)
        assert result.exit_code in (1, 2) and NEWER in " ".join(result.output.split()), (argv, result.output)
    assert not (tmp_path / "report").exists()


def fingerprinted(run, task_fingerprint: str, data_of=lambda sample_id: f"data-{sample_id}"):
    """Give the run's sample records fingerprints, as `vfr-bench run` writes them."""
    lines = [json.loads(line) for line in (run / "samples.jsonl").read_text().splitlines()]
    for line in lines:
        line["fingerprint"] = {"data": data_of(line["sample_id"]), "model": "m", "task": task_fingerprint, "code": "c"}
    (run / "samples.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    return run


def gate(base, cand, *extra):
    args = ["gate", "--baseline", str(base), "--candidate", str(cand), "--baseline-model", "flexislm-7b"]
    return CliRunner().invoke(main, [*args, "--candidate-model", "flexislm-7b", *extra])


def test_a_task_whose_definition_changed_cannot_be_compared(tmp_path):
    base = fingerprinted(write_quality_run(tmp_path / "a"), "task-v1")
    same = fingerprinted(write_quality_run(tmp_path / "b", seed=1), "task-v1")
    assert gate(base, same).exit_code in (0, 1)
    changed = fingerprinted(write_quality_run(tmp_path / "c", seed=1), "task-v1-edited")
    result = gate(base, changed)
    assert result.exit_code == 2 and "task 'asr': its definition changed" in result.output, result.output


def test_a_task_of_another_version_cannot_be_compared(tmp_path):
    base = write_quality_run(tmp_path / "a")
    cand = write_quality_run(tmp_path / "b", seed=1)
    manifest = json.loads((cand / "manifest.json").read_text())
    manifest["tasks"]["asr"]["version"] = 2
    (cand / "manifest.json").write_text(json.dumps(manifest))
    result = gate(base, cand)
    assert result.exit_code == 2 and "its version differs (baseline v1, candidate v2)" in result.output


def test_shared_samples_whose_data_differ_cannot_be_compared(tmp_path):
    base = fingerprinted(write_quality_run(tmp_path / "a"), "t")
    moved = lambda i: "other" if i == "s3" else f"data-{i}"  # noqa: E731
    cand = fingerprinted(write_quality_run(tmp_path / "b", seed=1), "t", moved)
    result = gate(base, cand)
    assert result.exit_code == 2 and "the data of" in result.output and "'s3'" in result.output, result.output


def test_a_run_gated_against_itself_says_so(tmp_path):
    run = write_quality_run(tmp_path / "a")
    result = gate(run, run, "--markdown", str(tmp_path / "gate.md"))
    assert result.exit_code == 0, result.output
    assert "this gate compares it with itself and proves nothing" in (tmp_path / "gate.md").read_text()
