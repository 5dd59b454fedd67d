import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tests.helpers import assert_conforms, write_manifest
from vfr_bench.cli import main
from vfr_bench.cli.run_cmd import EXIT_SAMPLES_FAILED
from vfr_bench.jsonl import read_jsonl


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_the_command_line_imports_nothing_heavy_until_a_command_runs():
    """`vfr-bench --help` stays instant: the CLI modules import click and nothing else of weight."""
    code = (
        "import sys; from vfr_bench.cli import main; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'pydantic', 'torch', 'rich', 'yaml'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_help_and_lists():
    assert "run" in invoke("--help").output
    models = invoke("list", "models").output
    assert "training-free-dynamic" in models and "flexislm" in models
    tasks = {line.split("│")[1].strip(): line for line in invoke("list", "tasks").output.splitlines() if "│" in line}
    assert "rate-fidelity" in tasks
    assert "24 x 12 noise" in tasks["asr-noise"]  # every sample heard again under each noise condition
    assert "│ 40 " in tasks["multilingual-espeak"]  # split by language, not multiplied
    listed = invoke("list", "metrics").output.splitlines()
    metrics = {line.split("│")[1].strip(): line for line in listed if "│" in line}
    assert "quality" in metrics["wer"] and "reference.text, text" in metrics["wer"]
    assert "latency" in metrics["t_total_p50"] and "rate" in metrics["achieved_input_hz"]
    assert "paired" not in invoke("list", "loaders").output and "huggingface" in invoke("list", "loaders").output
    assert "faster-whisper" in invoke("list", "judges").output


def test_flexislm_without_flexislm_says_how_to_install_it(tmp_path):
    result = invoke("run", "--model", "flexislm", "--out", str(tmp_path / "r"))
    assert result.exit_code == 1
    assert "FlexiSLM is not installed" in result.output and "flexicodec" in result.output
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    "args, code, words",
    [
        (["--model", "training-free-unifrom"], 1, "did you mean 'training-free-uniform'"),
        (["--tasks", "asrr"], 2, "did you mean 'asr'"),
        (["--rates", "12.5:abc"], 2, "'abc' is not a number"),
        (["--rates", "-4"], 2, "positive"),
        (["--rates", "0"], 2, "positive"),
        (["--shard", "3/2"], 2, "0 <= I < N"),
        (["--model-arg", "colour=red"], 1, "has no option colour"),
    ],
)
def test_bad_arguments_fail_before_any_work(tmp_path, args, code, words):
    result = invoke("run", *args, "--out", str(tmp_path / "r"))
    assert result.exit_code == code, result.output
    assert words in " ".join(result.output.split())
    assert not (tmp_path / "r" / "samples.jsonl").exists()


def test_malformed_manifest_is_refused_with_the_line(tmp_path):
    manifest = tmp_path / "m.jsonl"
    manifest.write_text('{"id": "a", "audio": "a.wav"}\nnot json\n')
    result = invoke("run", "--data", str(manifest), "--out", str(tmp_path / "r"))
    assert result.exit_code == 1 and "m.jsonl:2: not valid JSON" in result.output


@pytest.mark.skipif(not __import__("importlib").util.find_spec("faster_whisper"), reason="needs vfr-bench[builtin]")
def test_run_end_to_end_on_the_default_models(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # --report writes reports/<run-id>/ under the working directory
    out = tmp_path / "run"
    result = invoke("run", "--limit", "2", "--rates", "12.5,4", "--out", str(out), "--report")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "reports" / "run" / "pareto_quality_vs_rate.pdf").stat().st_size > 1000
    assert "report: reports/run/README.md" in result.output
    assert "mini-dynamic" in result.output and "mini-uniform" in result.output  # the trained defaults
    assert "main metric [95% CI]" in result.output and "in Hz" in result.output
    assert re.search(r"wer \d+\.\d{3} \[", result.output)  # each asr row's WER with its CI
    assert_conforms(out)
    records = read_jsonl(out / "samples.jsonl")
    assert len(records) == 2 * 2 * 2 * 2 and all(r["status"] == "ok" for r in records)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["models"]["mini-dynamic"]["weights_sha256"]
    assert manifest["metrics"]["wer"]["normaliser_version"]
    # a second run into the same directory is refused; --resume finds nothing left to do
    again = invoke("run", "--limit", "2", "--rates", "12.5,4", "--out", str(out))
    assert again.exit_code == 1 and "pass --resume" in again.output
    resumed = invoke("run", "--limit", "2", "--rates", "12.5,4", "--out", str(out), "--resume")
    assert resumed.exit_code == 0 and "16 already recorded" in " ".join(resumed.output.split())
    assert len(read_jsonl(out / "samples.jsonl")) == 16


@pytest.mark.skipif(not __import__("importlib").util.find_spec("faster_whisper"), reason="needs vfr-bench[builtin]")
def test_bad_samples_are_recorded_and_the_exit_code_says_so(tmp_path):
    manifest = write_manifest(tmp_path / "data", n=2, extra_lines=[{"id": "gone", "audio": "gone.wav", "text": "x"}])
    out = tmp_path / "run"
    result = invoke(
        "run",
        "--model",
        "training-free-uniform",
        "--data",
        str(manifest),
        "--rates",
        "6.25",
        "--tasks",
        "asr",
        "--out",
        str(out),
    )
    assert result.exit_code == EXIT_SAMPLES_FAILED, result.output
    assert "1 sample(s) of the run are errors" in " ".join(result.output.split())
    records = {r["sample_id"]: r for r in read_jsonl(out / "samples.jsonl")}
    assert records["gone"]["status"] == "error" and records["u0"]["status"] == "ok"
    assert_conforms(out)


def test_model_args_apply_to_all_models_or_to_one():
    from vfr_bench.run.settings import RunSettings, model_options, parse_model_args

    args = parse_model_args(
        ("beam_size=5", "training-free-uniform:model=C:/models/x", "training-free-dynamic:max_span=16")
    )
    parsed = model_options(RunSettings(model_args=args), ["training-free-dynamic", "training-free-uniform"])
    assert parsed == {
        "training-free-dynamic": {"beam_size": "5", "max_span": "16"},
        "training-free-uniform": {"beam_size": "5", "model": "C:/models/x"},
    }
