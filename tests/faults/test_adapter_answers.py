"""Adapters that lie: every Response is checked once, before it becomes a record, by the rules that
`vfr-bench check` applies (vfr_bench/answer_rules.py). A broken answer is that sample's error, naming
the field and the value, and never a number in a summary."""

from __future__ import annotations

import csv
import json
from typing import Any, ClassVar

import numpy as np
import pytest

from tests.helpers import CountingAdapter, assert_conforms, make_registry, write_manifest
from vfr_bench.jsonl import read_jsonl
from vfr_bench.protocol import Request, Response
from vfr_bench.rates import parse_rate_specs
from vfr_bench.run import RunConfig, Runner
from vfr_bench.run_check import problems
from vfr_bench.scoring import score_run
from vfr_bench.task_files import all_tasks

LIES: dict[str, dict[str, Any]] = {
    "negative-count": {"n_output_tokens": -3},
    "bool-count": {"n_input_tokens": True},
    "float-count": {"n_output_tokens": 12.5},
    "impossible-time": {"t_ar": 1e6},
    "negative-time": {"t_first_token": -0.5},
    "zero-seconds": {"output_seconds": 0.0},
    "negative-seconds": {"output_seconds": -1.0},
    "empty-audio": {"audio": np.zeros(0, np.float32)},
    "nan-audio": {"audio": np.full(1600, np.nan, np.float32)},
    "no-audio": {"audio": None, "audio_sample_rate": None},
}
NAMED = {
    "negative-count": "n_output_tokens = -3 is negative",
    "bool-count": "n_input_tokens = True is not a count",
    "float-count": "n_output_tokens = 12.5 is not a count",
    "impossible-time": "timings.t_ar = 1000000.0 s is longer than the runner's t_total",
    "negative-time": "timings.t_first_token = -0.5 is negative",
    "zero-seconds": "output_seconds = 0.0 where the answer has output tokens or audio",
    "negative-seconds": "output_seconds = -1.0 is negative",
    "empty-audio": "audio holds no samples",
    "nan-audio": "audio holds NaN or infinite samples",
    "no-audio": "no audio for a request that asks for speech",
}


class LyingAdapter(CountingAdapter):
    """Resynthesises honestly, except on sample u1, where it tells the lie named by its option."""

    name = "lying"
    options: ClassVar[dict[str, tuple[type, Any, str]]] = {"lie": (str, "", "which lie to tell on u1")}

    def generate(self, request: Request) -> Response:
        seconds = len(request.audio) / request.sample_rate
        honest: dict[str, Any] = dict(
            audio=request.audio, audio_sample_rate=request.sample_rate,
            n_input_tokens=max(1, round(request.input_hz * seconds)),
            n_output_tokens=max(1, round(request.output_hz * seconds)), t_ar=0.0,
        )  # fmt: skip
        if request.sample_id == "u1":
            honest.update(LIES[self.config["lie"]])
        return Response(**honest)


def run_lie(tmp_path, lie: str) -> dict[str, dict]:
    registry = make_registry()
    registry.registry.add("lying", LyingAdapter)
    config = RunConfig(
        models=["lying"], rate_specs=parse_rate_specs("6.25"), tasks=[all_tasks()["rate-fidelity"]],
        out=tmp_path / "run", data=str(write_manifest(tmp_path / "data", n=3)), warmup=0,
        model_options={"lying": {"lie": lie}},
    )  # fmt: skip
    Runner(config, registry=registry).run()
    return {r["sample_id"]: r for r in read_jsonl(tmp_path / "run" / "samples.jsonl")}


@pytest.mark.parametrize("lie", sorted(LIES))
def test_a_broken_answer_is_that_samples_error_naming_field_and_value(tmp_path, lie):
    records = run_lie(tmp_path, lie)
    assert records["u1"]["status"] == "error", records["u1"]
    assert NAMED[lie] in records["u1"]["error"]
    assert records["u1"]["achieved_output_hz"] is None and records["u1"]["audio"] is None
    assert [records[s]["status"] for s in ("u0", "u2")] == ["ok", "ok"]
    score_run(tmp_path / "run", {})
    assert_conforms(tmp_path / "run")
    with open(tmp_path / "run" / "summary.csv", newline="") as f:
        counts = {int(row["n"]) for row in csv.DictReader(f)}
    assert counts == {2}  # the summary counts the two honest samples only


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("n_output_tokens", True, "n_output_tokens = True is not a count"),
        ("n_input_tokens", -4, "n_input_tokens = -4 is negative"),
        ("output_seconds", 0.0, "output_seconds = 0.0 where the answer has output tokens"),
        ("timings", {"t_total": 0.01, "t_ar": 5.0}, "timings.t_ar = 5.0 s is longer than the runner's t_total"),
    ],
)
def test_check_applies_the_same_rules_to_a_written_record(tmp_path, field, value, named):
    run_lie(tmp_path, "negative-count")
    score_run(tmp_path / "run", {})
    samples = tmp_path / "run" / "samples.jsonl"
    lines = [json.loads(line) for line in samples.read_text().splitlines()]
    ok = next(i for i, line in enumerate(lines) if line["status"] == "ok")
    lines[ok][field] = value
    samples.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert any(named in p for p in problems(tmp_path / "run")), problems(tmp_path / "run")
