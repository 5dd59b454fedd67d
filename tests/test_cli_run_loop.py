"""`vfr-bench run` as a researcher drives it, in a fresh process with a plug-in model: the grid said
before any work, the results table in a 100-column terminal, `--device cuda` without CUDA, a run
config file under command-line flags, and the latency lab's dtype on a CPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import assert_conforms, write_manifest
from vfr_bench.cli import main
from vfr_bench.jsonl import read_jsonl

VFR_BENCH = str(Path(sys.executable).parent / "vfr-bench")
MODEL = "parrot-flexislm-12.5to4-ckpt-b"  # a long name, as checkpoints' names are
PLUGIN = textwrap.dedent(
    f"""
    from vfr_bench.models import register_model
    from vfr_bench.protocol import Adapter, RateControl, Response


    @register_model("{MODEL}", summary="test plug-in: keeps frames at the requested rate, answers one word")
    class Parrot(Adapter):
        capabilities = frozenset({{"asr", "s2t", "resynth"}})
        rate_control = RateControl("controllable", native_input_hz=25.0, native_output_hz=25.0, min_hz=1, max_hz=25)
        options = {{"answer": (str, "paris", "what every spoken question is answered with")}}

        def generate(self, request):
            seconds = len(request.audio) / request.sample_rate
            n_in = max(1, round(request.input_hz * seconds))
            if request.kind == "resynth":
                n_out = max(1, round(request.output_hz * seconds))
                return Response(audio=request.audio, audio_sample_rate=request.sample_rate, n_input_tokens=n_in,
                                n_output_tokens=n_out)
            text = self.config["answer"] if request.kind == "s2t" else f"utterance number {{request.sample_id[1:]}}"
            return Response(text=text, n_input_tokens=n_in)
    """
)


@pytest.fixture
def plugins(tmp_path: Path) -> Path:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "parrot.py").write_text(PLUGIN)
    return folder


def cli(plugins: Path, *args: str, columns: int = 100) -> subprocess.CompletedProcess:
    env = {**os.environ, "VFR_BENCH_PLUGIN_PATH": str(plugins), "COLUMNS": str(columns)}
    return subprocess.run([VFR_BENCH, *args], capture_output=True, text=True, env=env, timeout=600)


def test_the_grid_is_said_before_any_work_with_the_rates_as_parsed(tmp_path, plugins):
    data = write_manifest(tmp_path / "data", n=3)
    args = ["run", "--model", MODEL, "--tasks", "asr", "--data", str(data), "--warmup", "0", "--no-score"]
    first = cli(plugins, *args, "--rates", "12,5", "--out", str(tmp_path / "a"))  # meant 12.5
    assert first.returncode == 0, first.stderr
    lines = first.stderr.splitlines()
    grid = f"grid: 1 model ({MODEL}) x 2 rate specs (12 Hz, 5 Hz) x 1 task (asr) x 3 samples = 6 requests"
    assert lines[0] == grid
    assert lines[1].startswith(f"{MODEL} @ 12 Hz, asr:")  # the first unit's progress comes after

    out = tmp_path / "b"
    limited = cli(plugins, *args, "--rates", "12.5", "--limit", "2", "--out", str(out))
    assert "x 2 samples (--limit 2) = 2 requests" in limited.stderr.splitlines()[0], limited.stderr
    resumed = cli(plugins, *args, "--rates", "12.5,4", "--limit", "2", "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    head = resumed.stderr.splitlines()
    assert head[0].endswith("x 2 rate specs (12.5 Hz, 4 Hz) x 1 task (asr) x 2 samples (--limit 2) = 4 requests")
    assert head[1] == "resume: 2 already recorded, 2 to run"


def test_a_shard_says_its_part_of_the_grid(tmp_path, plugins):
    data = write_manifest(tmp_path / "data", n=4)
    out = tmp_path / "run"
    args = ["run", "--model", MODEL, "--tasks", "asr", "--data", str(data), "--rates", "12.5,6.25,4",
            "--warmup", "0", "--no-score", "--out", str(out), "--shard", "1/2"]  # fmt: skip
    result = cli(plugins, *args)
    assert result.returncode == 0, result.stderr
    grid, part = result.stderr.splitlines()[:2]
    assert grid.endswith("x 4 samples = 12 requests")
    assert part == f"shard 1/2: {len(read_jsonl(out / 'samples.jsonl'))} of them"


def test_the_results_table_fits_100_columns_with_spoken_qa(tmp_path, plugins):
    out = tmp_path / "run"
    args = ["run", "--model", MODEL, "--rates", "12.5,4", "--tasks", "asr,rate-fidelity,spoken-qa", "--limit", "2",
            "--warmup", "0", "--out", str(out)]  # fmt: skip
    result = cli(plugins, *args)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 100, result.stdout
    rows = [line.split() for line in lines if line.startswith(MODEL)]
    assert [(r[1], r[2]) for r in rows] == [(t, rate) for t in ("asr", "rate-fidelity", "spoken-qa") for rate in
                                            ("12.5", "4")]  # fmt: skip
    summary = {(r["task"], r["rate_spec"], r["metric"]): r for r in _csv(out / "summary.csv")}
    for line, (_, task, rate, *_) in zip((x for x in lines if x.startswith(MODEL)), rows, strict=True):
        achieved = float(summary[(task, rate, "achieved_input_hz")]["value"])
        assert f"{achieved:.2f} (" in line  # achieved Hz, whole
        if task != "rate-fidelity":
            metric = {"asr": "wer", "spoken-qa": "qa_accuracy"}[task]
            value = float(summary[(task, rate, metric)]["value"])
            assert f"{metric} {value:.3f} [" in line and line.rstrip().endswith("]")  # the main metric, CI whole
    assert any(line.startswith("not shown at 100 columns: out Hz") and "--wide" in line for line in lines)
    wide = cli(plugins, *args, "--resume", "--wide")
    assert wide.returncode == 0, wide.stderr
    header = next(line for line in wide.stdout.splitlines() if line.startswith("model"))
    assert all(h in header for h in ("out Hz", "t_total", "samples")) and "not shown" not in wide.stdout
    assert_conforms(out)


def _csv(path: Path) -> list[dict[str, str]]:
    import csv

    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_a_config_file_under_command_line_flags_and_the_manifest_records_the_merge(tmp_path, plugins):
    data = write_manifest(tmp_path / "data", n=3)
    config = tmp_path / "run.yaml"
    config.write_text(
        f"models: [{MODEL}]\nrates: [12.5, 4]\ntasks: [asr]\ndata: {data}\nlimit: 2\nseed: 7\nwarmup: 0\n"
        f"model_args: {{{MODEL}: {{answer: london}}}}\nscore: false\n"
    )
    out = tmp_path / "run"
    result = cli(plugins, "run", "--config", str(config), "--rates", "6.25", "--seed", "3", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "1 rate spec (6.25 Hz)" in result.stderr and "x 2 samples (--limit 2) = 2 requests" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["rate_specs"] == ["6.25"] and manifest["seed"] == 3  # the flags win
    assert manifest["tasks"]["asr"]["limit"] == 2 and manifest["warmup_requests_per_cell"] == 0  # the file's
    assert manifest["models"][MODEL]["options"] == {"answer": "london"}
    assert manifest["sessions"][0]["argv"][-6:] == ["--rates", "6.25", "--seed", "3", "--out", str(out)]
    assert not (out / "scores.jsonl").exists()  # score: false in the file, not undone by a flag left out
    merged = manifest["sessions"][0]["settings"]  # every setting, as merged: the file's under the flags
    assert (merged["rates"], merged["seed"], merged["limit"], merged["score"]) == ("6.25", 3, 2, False)
    assert merged["model_args"] == {MODEL: {"answer": "london"}} and merged["worker_timeout"] > 0
    assert len(read_jsonl(out / "samples.jsonl")) == 2

    flag = cli(plugins, "run", "--config", str(config), "--model-arg", f"{MODEL}:answer=rome", "--out",
               str(tmp_path / "again"))  # fmt: skip
    assert flag.returncode == 0, flag.stderr
    options = json.loads((tmp_path / "again" / "manifest.json").read_text())["models"][MODEL]["options"]
    assert options == {"answer": "rome"}


def cuda_here() -> bool:
    from vfr_bench.devices import DeviceError, check_cuda

    try:
        check_cuda()
    except DeviceError:
        return False
    return True


def test_device_cuda_without_cuda_is_a_usage_error_that_says_so(tmp_path):
    if cuda_here():
        pytest.skip("this machine has CUDA")
    result = CliRunner().invoke(main, ["run", "--device", "cuda", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "Error: Invalid value for --device: CUDA is not available here:" in said and "no CUDA device" in said
    assert "Whisper" not in said and not (tmp_path / "r").exists()


def fake(name: str, **attrs) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    return module


def test_check_cuda_asks_each_gpu_library(monkeypatch):
    from vfr_bench.devices import DeviceError, check_cuda

    def torch(available: bool, cuda: str | None) -> types.ModuleType:
        return fake("torch", __version__="2.9.0", cuda=types.SimpleNamespace(is_available=lambda: available),
                    version=types.SimpleNamespace(cuda=cuda))  # fmt: skip

    none = fake("ctranslate2", get_cuda_device_count=lambda: 0)
    monkeypatch.setitem(sys.modules, "ctranslate2", none)
    monkeypatch.setitem(sys.modules, "torch", torch(False, None))
    with pytest.raises(DeviceError, match=r"CTranslate2 and PyTorch 2.9.0 \(a CPU-only build\) see no CUDA device"):
        check_cuda()
    monkeypatch.setitem(sys.modules, "torch", torch(False, "12.4"))
    with pytest.raises(DeviceError, match=r"PyTorch 2.9.0 \(built for CUDA 12.4\)"):
        check_cuda()
    monkeypatch.setitem(sys.modules, "torch", torch(True, "12.4"))
    check_cuda()  # PyTorch sees one
    monkeypatch.setitem(sys.modules, "ctranslate2", fake("ctranslate2", get_cuda_device_count=lambda: 1))
    monkeypatch.setitem(sys.modules, "torch", torch(False, None))
    check_cuda()  # CTranslate2 sees one


def test_the_latency_lab_times_fp32_on_a_cpu_unless_told(tmp_path):
    pytest.importorskip("torch", reason="the latency lab needs: pip install 'vfr-bench[latency]'")
    pytest.importorskip("transformers", reason="the latency lab needs: pip install 'vfr-bench[latency]'")
    out = tmp_path / "lat"
    args = ["latency", "--arch", "flexislm-7b-tiny", "--rates", "4", "--input-seconds", "1", "--output-seconds", "1",
            "--repeats", "1", "--warmup", "0", "--device", "cpu", "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(main, args, env={"COLUMNS": "200"}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "latency lab (cpu, fp32)" in result.output and "emulated" not in result.output
    assert json.loads((out / "manifest.json").read_text())["latency_lab"]["dtype"] == "fp32"


def test_the_grid_of_tasks_of_different_sizes_says_how_many_each_and_loads_each_source_once():
    from vfr_bench.data.sample import Dataset, Sample
    from vfr_bench.run.grid import cached, grid_lines
    from vfr_bench.run.settings import RunSettings, resolve

    loads = []

    def loader(spec) -> Dataset:
        loads.append(str(spec))
        n = 100 if "spoken-qa" in str(spec) else 24
        samples = tuple(Sample(id=f"s{i}", audio=None, text="x", answers=("y",)) for i in range(n))
        return Dataset(name=str(spec), source=str(spec), revision="test", content_hash="0", samples=samples)

    config = resolve(RunSettings(tasks="asr,rate-fidelity,spoken-qa", rates="12,5", limit=30), ["vfr-bench"])
    load = cached(loader)
    expected = (
        "grid: 2 models (mini-dynamic, mini-uniform) x 2 rate specs (12 Hz, 5 Hz) x 3 tasks (asr, "
        "rate-fidelity, spoken-qa) x samples (24 for 2 tasks (asr, rate-fidelity); 30 for spoken-qa) (--limit 30) "
        "= 312 requests"  # 2 x 2 x (24 + 24 + 30)
    )
    assert grid_lines(config, load) == [expected]
    assert grid_lines(config, load) == [expected] and len(loads) == 2  # one load per source, however often asked
