"""Test fixtures: synthetic audio files, manifests, and a deterministic counting adapter.

The counting adapter is not a stand-in for a model in any result: it exists to test the runner's
own contract (records, errors, resume, sharding, timing) without a model's cost.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import venv
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import soundfile as sf

from vfr_bench.models import ModelRegistry, model_registry
from vfr_bench.protocol import Adapter, RateControl, Request, Response
from vfr_bench.run_check import problems


def tone(seconds: float, sr: int = 16000, freq: float = 220.0, channels: int = 1) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    mono = 0.3 * np.sin(2 * np.pi * freq * t).astype(np.float32)
    return mono if channels == 1 else np.stack([mono] * channels, axis=1)


def write_manifest(folder: Path, n: int = 4, seconds: float = 1.0, extra_lines: list[dict] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(n):
        path = folder / f"u{i}.wav"
        sf.write(path, tone(seconds + 0.25 * i, freq=200 + 40 * i), 16000)
        lines.append({"id": f"u{i}", "audio": path.name, "text": f"utterance number {i}"})
    lines += extra_lines or []
    manifest = folder / "data.jsonl"
    manifest.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return manifest


class CountingAdapter(Adapter):
    """Counts the frames it would keep at the requested rate; options make it fail or go slowly."""

    name = "counting"
    capabilities: ClassVar[frozenset[str]] = frozenset({"asr", "resynth"})
    rate_control = RateControl("controllable", native_input_hz=25.0, native_output_hz=25.0, min_hz=1, max_hz=25)
    options: ClassVar[dict[str, tuple[type, Any, str]]] = {
        "fail_on": (str, None, "sample id whose request raises"),
        "sleep": (float, 0.0, "seconds per request"),
        "nan_on": (str, None, "sample id whose response holds a NaN"),
    }
    calls: ClassVar[list[str]] = []

    def generate(self, request: Request) -> Response:
        CountingAdapter.calls.append(request.sample_id)
        if self.config["sleep"]:
            time.sleep(self.config["sleep"])
        if request.sample_id == self.config["fail_on"]:
            raise RuntimeError(f"deliberate failure on {request.sample_id}")
        seconds = len(request.audio) / request.sample_rate
        n_in = np.int64(max(1, round(request.input_hz * seconds)))  # numpy counts, as model code returns them
        if request.sample_id == self.config["nan_on"]:
            return Response(text="x", n_input_tokens=n_in, t_ar=float("nan"))
        if request.kind == "resynth":
            n_out = max(1, round(request.output_hz * seconds))
            return Response(
                audio=request.audio,
                audio_sample_rate=request.sample_rate,
                n_input_tokens=n_in,
                n_output_tokens=n_out,
                t_ar=0.0,
            )
        return Response(text=f"utterance number {request.sample_id[1:]}", n_input_tokens=n_in, n_text_tokens=3)


class FixedRateAdapter(CountingAdapter):
    name = "fixed"
    rate_control = RateControl("fixed", native_input_hz=12.5, native_output_hz=12.5)


def make_registry() -> ModelRegistry:
    registry = model_registry(builtins=False)
    registry.add("counting", CountingAdapter)
    registry.add("fixed", FixedRateAdapter)
    return ModelRegistry(registry)


def assert_conforms(run_dir: Path) -> None:
    """The run directory keeps the contract (vfr-bench check)."""
    found = problems(Path(run_dir))
    assert found == [], "\n".join(found)


def run_rate_and_asr(
    tmp_path: Path, model: str, rates: str, options: dict[str, Any] | None = None, device: str = "cuda"
) -> list[dict]:
    """`model` through the runner on three synthetic utterances of 2 to 2.5 s, tasks rate-fidelity
    and asr, no warm-up; the sample records. Adapter tests run their fakes through it."""
    from vfr_bench.jsonl import read_jsonl
    from vfr_bench.rates import parse_rate_specs
    from vfr_bench.run import RunConfig, Runner
    from vfr_bench.task_files import all_tasks

    manifest = write_manifest(tmp_path / "data", n=3, seconds=2.0)
    tasks = all_tasks()
    config = RunConfig(
        models=[model],
        rate_specs=parse_rate_specs(rates),
        device=device,
        tasks=[tasks["rate-fidelity"], tasks["asr"]],
        out=tmp_path / "run",
        data=str(manifest),
        warmup=0,
        model_options={model: options or {}},
    )
    Runner(config).run()
    return read_jsonl(tmp_path / "run" / "samples.jsonl")


def parent_env_venv(folder: Path) -> str:
    """A second virtual environment with its own interpreter. Installing the training-free models'
    packages again would take minutes, so it sees this environment's packages through a .pth file;
    `vfr-bench env create` (tested separately, marked slow) installs them for real."""
    venv.EnvBuilder(with_pip=False).create(folder)
    python = folder / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import site; print(site.getsitepackages()[0])"], capture_output=True, text=True, check=True
    ).stdout.strip()
    here = [p for p in sys.path if p.endswith("site-packages")]
    # addsitedir (not a bare path) so that the parent's own .pth files run too: the editable install's
    # finder, which maps vfr_bench.baselines and vfr_bench.tasks to their folders, is one of them
    lines = [f"import site; site.addsitedir({p!r})" for p in here]
    Path(site, "parent-env.pth").write_text("\n".join(lines) + "\n")
    return str(python)
