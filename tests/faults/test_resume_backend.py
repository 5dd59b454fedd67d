"""A resume on other numerics (another CPU ISA or GEMM library) is refused, and a resume with
nothing left to run keeps what the loaded model recorded of itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CLI = str(Path(sys.executable).parent / "vfr-bench")
ARGS = ["run", "--model", "training-free-uniform", "--tasks", "asr", "--rates", "12.5", "--warmup", "0", "--no-score"]


def vfr_bench(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})})


def test_a_resume_on_another_isa_is_refused_and_nothing_is_added(tmp_path):
    """Seen: --limit 2, then --resume --limit 3 with CT2_FORCE_CPU_ISA=AVX512 exited 0 with AVX2 and
    AVX512 transcripts in one run, and a manifest saying AVX512 for all of them."""
    out = str(tmp_path / "run")
    assert vfr_bench(*ARGS, "--limit", "2", "--out", out).returncode == 0
    before = json.loads((tmp_path / "run" / "manifest.json").read_text())["models"]["training-free-uniform"]["backend"]
    assert before["isa"] != "AVX"  # this machine runs at least AVX2; AVX is then "another ISA"
    done = vfr_bench(*ARGS, "--limit", "3", "--out", out, "--resume", env={"CT2_FORCE_CPU_ISA": "AVX"})
    assert done.returncode != 0
    assert "--resume would mix results made differently" in done.stderr and "isa" in done.stderr, done.stderr
    lines = (tmp_path / "run" / "samples.jsonl").read_text().splitlines()
    assert len(lines) == 2


def test_a_resume_with_nothing_to_run_keeps_the_models_checkpoint_and_backend(tmp_path):
    out = str(tmp_path / "run")
    assert vfr_bench(*ARGS, "--limit", "1", "--out", out).returncode == 0
    again = vfr_bench(*ARGS, "--limit", "1", "--out", out, "--resume")
    assert again.returncode == 0, again.stderr
    model = json.loads((tmp_path / "run" / "manifest.json").read_text())["models"]["training-free-uniform"]
    assert model["checkpoint"] == "tiny.en" and model["backend"]["isa"] and model["weights_sha256"]
