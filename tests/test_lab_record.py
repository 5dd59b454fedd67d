"""Latency-lab samples are LabRecords, chosen by the manifest's kind; a plain run's SampleRecord refuses
the lab's fields (issue 28). Read, checked, scored and gated on the committed H200 lab runs (written by
schema 2, read through vfr_bench.schema_upgrade)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from vfr_bench.cli import main
from vfr_bench.records import LAB_TASK, CellKey, LabRecord, SampleRecord, sample_record_type
from vfr_bench.run_check import problems
from vfr_bench.run_dir import RunDirectory, RunDirError
from vfr_bench.schema_upgrade import upgrade_manifest, upgrade_record

THINKERS = Path(__file__).resolve().parents[1] / "results" / "examples" / "h200-latency-lab" / "thinkers"


LAB_FIELDS = ("prefill_length", "llm_steps", "thinker_steps", "hypothetical_rate", "latency")


def _first_line() -> dict:
    """The first record of the committed lab run, as schema 3 reads it (task latency-lab, batch size 1)."""
    line = json.loads((THINKERS / "samples.jsonl").read_text(encoding="utf-8").splitlines()[0])
    return upgrade_record(line, sample=True)


def _copy(tmp_path: Path, name: str = "run") -> Path:
    return Path(shutil.copytree(THINKERS, tmp_path / name))


def _rewrite_first_line(run: Path, change) -> None:
    lines = (run / "samples.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    change(first)
    (run / "samples.jsonl").write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n", encoding="utf-8")


def test_a_sample_record_refuses_lab_fields() -> None:
    line = _first_line()
    with pytest.raises(ValidationError, match="prefill_length"):
        SampleRecord.model_validate(line)
    plain = {k: v for k, v in line.items() if k in SampleRecord.model_fields}
    assert SampleRecord.model_validate(plain).batch_size == 1  # every sample has one: a run's is 1
    for field in LAB_FIELDS:
        with pytest.raises(ValidationError, match=field):
            SampleRecord.model_validate({**plain, field: line[field]})


def test_a_lab_record_round_trips() -> None:
    record = LabRecord.model_validate(_first_line())
    again = LabRecord.model_validate_json(record.to_json())
    assert again == record
    assert json.loads(again.to_json()) == json.loads(record.to_json())
    assert again.cell == CellKey("flexislm-7b-thinker", LAB_TASK, "25", 1)
    assert again.latency.ms_per_llm_step > 0 and again.batch_size == 1


def test_a_lab_record_refuses_what_it_cannot_be() -> None:
    line = _first_line()
    for missing in ("batch_size", "latency", "llm_steps", "hypothetical_rate"):
        with pytest.raises(ValidationError, match=missing):
            LabRecord.model_validate({k: v for k, v in line.items() if k != missing})
    for task in ("latency-lab-bs1", "asr"):  # a v2 task name read without the upgrade is refused, not misread
        with pytest.raises(ValidationError, match=f"task '{task}' is not the latency lab's task 'latency-lab'"):
            LabRecord.model_validate({**line, "task": task})
    with pytest.raises(ValidationError, match="batch_size"):
        LabRecord.model_validate({**line, "batch_size": 0})


def test_the_manifest_kind_chooses_the_record_type() -> None:
    assert sample_record_type("latency-lab") is LabRecord
    assert sample_record_type("run") is SampleRecord
    samples = RunDirectory(THINKERS).samples()
    assert len(samples) == 50 and all(type(s) is LabRecord for s in samples)
    assert {(s.task, s.batch_size) for s in samples} == {(LAB_TASK, 1)}


def test_a_lab_run_filed_as_a_plain_run_is_refused(tmp_path: Path) -> None:
    run = _copy(tmp_path)
    manifest = upgrade_manifest(json.loads((run / "manifest.json").read_text(encoding="utf-8")))
    (run / "manifest.json").write_text(json.dumps({**manifest, "kind": "run"}), encoding="utf-8")
    with pytest.raises(RunDirError, match=r"samples.jsonl:1 is not a valid SampleRecord \(prefill_length"):
        RunDirectory(run).samples()
    assert any("prefill_length: Extra inputs are not permitted" in p for p in problems(run))


def test_check_reads_lab_runs_as_lab_records(tmp_path: Path) -> None:
    assert problems(THINKERS) == []
    run = _copy(tmp_path)
    _rewrite_first_line(run, lambda line: line.pop("latency"))
    assert problems(run) == ["samples.jsonl line 1: latency: Field required"]
    result = CliRunner().invoke(main, ["check", str(run)])
    assert result.exit_code != 0 and "latency: Field required" in result.output


def test_gate_on_a_lab_run(tmp_path: Path) -> None:
    base, cand = _copy(tmp_path, "base"), _copy(tmp_path, "cand")
    for run in (base, cand):
        assert CliRunner().invoke(main, ["score", str(run)]).exit_code == 0
    verdict = tmp_path / "verdict.json"
    args = ["gate", "--baseline", str(base), "--candidate", str(cand), "--json", str(verdict)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    models = json.loads(verdict.read_text(encoding="utf-8"))["models"]
    cells = [(m["baseline"]["model"], c) for m in models for c in m["cells"]]
    timed = {(model, c["task"], c["rate"]) for model, c in cells if c["metric"] == "t_total_p50"}  # 2 archs x 5 rates
    assert len(timed) == 10 and ("flexislm-7b-thinker", "latency-lab", "6.25") in timed
    assert {c["batch_size"] for _, c in cells} == {1}
    _rewrite_first_line(cand, lambda line: line.pop("batch_size"))  # a damaged lab record: cannot compare
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "batch_size" in result.output
