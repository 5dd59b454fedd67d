"""Configuration and arguments from outside: repeated YAML keys, alias bombs, non-UTF-8 files, empty or
coerced values, non-finite numbers on the command line, a manifest naming a file no text can hold, and
error texts that say nothing."""

from __future__ import annotations

import json
import time
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner

from tests.helpers import CountingAdapter, make_registry, write_manifest
from vfr_bench.cli import main
from vfr_bench.data.manifest import ManifestError, load_manifest
from vfr_bench.gate.config import GateConfigError, load_config
from vfr_bench.jsonl import read_jsonl
from vfr_bench.protocol import Request, Response
from vfr_bench.rates import parse_rate_specs
from vfr_bench.run import RunConfig, Runner
from vfr_bench.run.settings import load_settings
from vfr_bench.task import TaskError
from vfr_bench.task_files import all_tasks, load_task_file
from vfr_bench.validation import ConfigError

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefg", "bcdefgh")
)


def written(tmp_path, text: str | bytes, name: str = "run.yaml"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_a_repeated_key_is_refused_naming_both_lines(tmp_path):
    with pytest.raises(ConfigError, match=r"run.yaml: line 3, column 1: key 'rates' repeats the one on line 1"):
        load_settings(written(tmp_path, "rates: '12.5'\nlimit: 2\nrates: '4'\n"))
    with pytest.raises(GateConfigError, match="repeats the one on line"):
        load_config(written(tmp_path, "confidence: 0.9\nconfidence: 0.5\n", "gates.yaml"))
    task = (all_tasks()["asr"].path or "").replace("\\", "/")
    text = open(task).read()
    with pytest.raises(TaskError, match="repeats the one on line"):
        load_task_file(written(tmp_path, text + "\nname: again\n", "task.yaml"))


def test_an_alias_bomb_is_refused_at_once(tmp_path):
    path = written(tmp_path, BOMB)
    assert path.stat().st_size < 600
    started = time.perf_counter()
    with pytest.raises(ConfigError, match="aliases expand to more than 100,000 nodes"):
        load_settings(path)
    assert time.perf_counter() - started < 1.0


def test_a_file_that_is_not_utf8_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"run.yaml: not UTF-8 text \(byte 0xe9 at offset 12\)"):
        load_settings(written(tmp_path, "models: [caf\xe9]\n".encode("latin-1")))


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("models: []\n", "models: an empty list runs nothing"),
        ("limit: true\n", "limit: a boolean is not a number (got True)"),
        ("models: [counting, counting]\n", "'counting' named more than once"),
        ("gpus_per_worker: .inf\n", "gpus_per_worker: Input should be a finite number"),
    ],
)
def test_values_that_would_be_coerced_are_refused(tmp_path, text, named):
    with pytest.raises(ConfigError, match=named.replace("(", r"\(").replace(")", r"\)")):
        load_settings(written(tmp_path, text))


def test_rates_written_as_numbers_are_what_people_mean(tmp_path):
    assert load_settings(written(tmp_path, "rates: 12.5\n")).rates == "12.5"
    listed = load_settings(written(tmp_path, "rates: [12.5, 6.25, '6.25:12.5', native]\n"))
    assert [s.label for s in parse_rate_specs(listed.rates)] == ["12.5", "6.25", "6.25:12.5", "native"]


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["run", "--executor", "ray", "--gpus-per-worker", "inf"], "'inf' is not a finite number"),
        (["run", "--worker-timeout", "nan"], "'nan' is not a finite number"),
        (["run", "--model", "training-free-dynamic", "--model", "training-free-dynamic"], "named more than once"),
        (["latency", "--arch", "flexislm-7b-tiny", "--input-seconds", "nan"], "'nan' is not a finite number"),
        (["latency", "--arch", "flexislm-7b-tiny", "--output-seconds", "inf"], "'inf' is not a finite number"),
        (["latency", "--arch", "flexislm-7b-tiny", "--peak-bandwidth", "0"], "0"),
        (["latency", "--arch", "flexislm-7b-tiny", "--peak-tflops", "-5"], "-5"),
        (["latency", "--arch", "flexislm-7b-tiny", "--batch-sizes", "1,2,1"], "1 given more than once"),
    ],
)
def test_a_bad_value_is_a_one_line_usage_error_that_writes_nothing(tmp_path, argv, said):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [*argv, "--out", str(out)])
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert result.exit_code == 2 and len(errors) == 1 and said in errors[0], result.output
    assert "Traceback" not in result.output and not out.exists()


def test_a_manifest_naming_a_file_no_text_can_hold_is_refused_naming_the_line(tmp_path):
    manifest = write_manifest(tmp_path / "data", n=2)
    with open(manifest, "a") as f:
        f.write('{"id": "bad", "audio": "caf\\udce9.wav", "text": "x"}\n')
    with pytest.raises(ManifestError, match=r"data.jsonl:3: 'audio' names a file whose name is not valid UTF-8"):
        load_manifest(manifest)


class AssertingAdapter(CountingAdapter):
    name = "asserting"
    options: ClassVar[dict[str, tuple[type, Any, str]]] = {}

    def generate(self, request: Request) -> Response:
        if request.sample_id == "u1":
            raise AssertionError  # what a bare `assert` in model code raises (pytest rewrites the ones in tests)
        return Response(text="x", n_input_tokens=3)


def test_a_bare_assertion_says_where_it_was_raised(tmp_path):
    registry = make_registry()
    registry.registry.add("asserting", AssertingAdapter)
    config = RunConfig(
        models=["asserting"], rate_specs=parse_rate_specs("6.25"), tasks=[all_tasks()["asr"]], out=tmp_path / "run",
        data=str(write_manifest(tmp_path / "data", n=2)), warmup=0,
    )  # fmt: skip
    Runner(config, registry=registry).run()
    error = {r["sample_id"]: r for r in read_jsonl(tmp_path / "run" / "samples.jsonl")}["u1"]["error"]
    assert error.startswith("AssertionError at test_config_borders.py:") and "in generate" in error, error
    assert "\n" not in json.dumps(error)


def test_a_ray_address_that_does_not_answer_fails_in_bounded_time(tmp_path, monkeypatch):
    pytest.importorskip("ray", reason="the Ray executor needs: pip install 'vfr-bench[ray]'")
    monkeypatch.setenv("VFR_BENCH_RAY_CONNECT_TIMEOUT", "2")
    out = tmp_path / "out"
    started = time.perf_counter()
    argv = ["run", "--executor", "ray", "--ray-address", "127.0.0.1:1", "--out", str(out), "--no-score"]
    result = CliRunner().invoke(main, argv)
    assert time.perf_counter() - started < 30
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert result.exit_code == 1 and len(errors) == 1 and "cannot reach the Ray cluster within 2 s" in errors[0]
    assert not out.exists()
