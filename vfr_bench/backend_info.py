"""What an inference backend really computed with: recorded in the manifest next to each model and judge.

The same checkpoint gives other transcripts on other machines because the kernels differ: CTranslate2
picks its instruction set (AVX2 on an AMD EPYC, AVX512 on an Intel Xeon), its GEMM library (oneDNN,
or Intel MKL on Intel CPUs) and the compute type it can run (int8 asked, int8_float32 run) at load
time, and says so only in its log. `ctranslate2_backend` loads the model once in a short subprocess
with CT2_VERBOSE=1 and reads those lines; a probe that fails records why (`probe_error`), never a
guess. `torch_backend` reads the same from torch. `backend_differences` says what differs between
two records, for the gate (and for a resume that must not mix two machines' numerics).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

PROBE_TIMEOUT_S = 300.0  # a large model on a slow disk loads in tens of seconds
# the probe: load the model as the adapter does, print the library's version; the log goes to stderr
PROBE = (
    "import sys, ctranslate2\n"
    "getattr(ctranslate2.models, sys.argv[4])(sys.argv[1], device=sys.argv[2], compute_type=sys.argv[3])\n"
    "print(ctranslate2.__version__)\n"
)
# CTranslate2's info-level log lines (after "[info] "), and the field each one fills
CT2_LINES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cpu", re.compile(r"^CPU: (\S+) \((.*)\)$")),
    ("isa", re.compile(r"^- Selected ISA: (.+)$")),
    ("mkl", re.compile(r"^- Use Intel MKL: (\w+)$")),
    ("sgemm_backend", re.compile(r"^- SGEMM backend: (.+)$")),
    ("gemm_s8_backend", re.compile(r"^- GEMM_S8 backend: (.+)$")),
    ("gpu", re.compile(r"^GPU #(\d+): (.+)$")),
    ("compute_type", re.compile(r"^- Selected compute type: (.+)$")),
)
_CT2_CACHE: dict[tuple[str, str, str, str, tuple[tuple[str, str], ...]], dict[str, Any]] = {}


def ct2_env() -> dict[str, str]:
    """The CT2_* settings the user gave (CT2_FORCE_CPU_ISA, CT2_USE_MKL, ...): they change the dispatch."""
    return {k: v for k, v in sorted(os.environ.items()) if k.startswith("CT2_") and k != "CT2_VERBOSE"}


def _engine_version() -> str:
    from vfr_bench.provenance import installed_version

    return f"ctranslate2 {installed_version('ctranslate2')}"


def parse_ct2_log(text: str) -> dict[str, Any]:
    """The dispatch CTranslate2 reported in its info log; only what it said, nothing filled in."""
    out: dict[str, Any] = {}
    for line in text.splitlines():
        message = line.split("[info] ", 1)[1].strip() if "[info] " in line else line.strip()
        for field, pattern in CT2_LINES:
            found = pattern.match(message)
            if not found:
                continue
            if field == "cpu":
                out["cpu_vendor"], out["cpu_features"] = found.group(1), found.group(2)
            elif field == "mkl":
                out["mkl"] = found.group(1).lower() == "true"
            elif field == "gpu":
                out.setdefault("gpus", []).append(found.group(2))
            else:
                out[field] = found.group(1).strip()
    return out


def ctranslate2_backend(model_dir: str, device: str, compute_type: str, model_class: str = "Whisper") -> dict[str, Any]:
    """CTranslate2's real dispatch for this model, device and compute type (cached per process)."""
    env = ct2_env()
    key = (str(model_dir), device, compute_type, model_class, tuple(env.items()))
    if key not in _CT2_CACHE:
        _CT2_CACHE[key] = _probe(str(model_dir), device, compute_type, model_class, env)
    threads = numpy_blas_threads()  # read each time: a process may limit them (Ray sets them per worker)
    return {**_CT2_CACHE[key], **({"numpy_blas_threads": threads} if threads is not None else {})}


def _probe(model_dir: str, device: str, compute_type: str, model_class: str, env: dict[str, str]) -> dict[str, Any]:
    head: dict[str, Any] = {"engine": _engine_version(), "device": device, "requested_compute_type": compute_type}
    try:
        done = subprocess.run(
            [sys.executable, "-c", PROBE, model_dir, device, compute_type, model_class],
            capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, env={**os.environ, "CT2_VERBOSE": "1"},
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as err:
        return {**head, "env": env, "probe_error": f"{type(err).__name__}: {err}"}
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        return {**head, "env": env, "probe_error": f"exit {done.returncode}: {lines[-1] if lines else 'no output'}"}
    parsed = parse_ct2_log(done.stderr)
    if "compute_type" not in parsed:
        return {**head, "env": env, "probe_error": "CTranslate2 logged no 'Selected compute type' line"}
    version = done.stdout.strip().splitlines()
    return {**head, "engine": f"ctranslate2 {version[-1]}" if version else head["engine"], **parsed, "env": env}


def local_ctranslate2_dir(name_or_path: str) -> str:
    """The folder a faster-whisper name was loaded from (its hub cache), else the name as given."""
    if Path(name_or_path).is_dir():
        return name_or_path
    try:
        from faster_whisper.utils import download_model

        return str(download_model(name_or_path, local_files_only=True))
    except Exception:  # not in the cache, or not a name it knows: the probe will say it cannot load it
        return name_or_path


def torch_backend(dtype: Any, device: str) -> dict[str, Any]:
    """torch's numerics settings: version, dtype, device, CPU ISA, CUDA/cuDNN and GPU, TF32 and matmul precision."""
    import torch

    info: dict[str, Any] = {
        "engine": f"torch {torch.__version__}",
        "dtype": None if dtype is None else str(dtype).removeprefix("torch."),
        "device": device,
        "isa": torch.backends.cpu.get_cpu_capability(),
        "float32_matmul_precision": torch.get_float32_matmul_precision(),
        "allow_tf32": {"matmul": torch.backends.cuda.matmul.allow_tf32, "cudnn": torch.backends.cudnn.allow_tf32},
    }
    if device.startswith("cuda") and torch.cuda.is_available():
        index = torch.device(device).index
        info["cuda"] = torch.version.cuda
        info["cudnn"] = torch.backends.cudnn.version()
        info["gpu"] = torch.cuda.get_device_name(torch.cuda.current_device() if index is None else index)
    return info


def module_dtype(module: Any) -> Any:
    """The dtype of a torch module's first floating-point parameter; None where it has none to read."""
    parameters = getattr(module, "parameters", None)
    if not callable(parameters):
        return None
    try:
        for p in parameters():
            if p.is_floating_point():
                return p.dtype
    except Exception:  # not a torch module after all
        return None
    return None


def numpy_blas_threads() -> int | None:
    """The threads numpy's BLAS computes with (threadpoolctl's reading; None where it is not installed).
    faster-whisper computes its mel features in numpy, and the training-free models merge frames there:
    their transcripts differ between 1 and 2 OpenBLAS threads, which is what a Ray worker holding one
    CPU gets (Ray sets OMP_NUM_THREADS to its CPUs) against a run on a 2-core machine."""
    try:
        import numpy  # noqa: F401  (its BLAS must be loaded to be seen)
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    counts = [pool["num_threads"] for pool in threadpool_info() if pool.get("user_api") == "blas"]
    return max(counts) if counts else None


def backend_known(info: Any) -> bool:
    """Whether a record says what the backend computed with (not missing, not a failed probe)."""
    return isinstance(info, dict) and bool(info) and "probe_error" not in info


# what changes numbers most, said first; other fields follow in name order
FIRST = ("engine", "device", "isa", "mkl", "compute_type", "dtype", "gpu", "gpus", "sgemm_backend", "gemm_s8_backend")


def backend_differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What differs between two backend records, one 'key X vs Y' per field, the weightiest first."""
    keys = sorted(set(before) | set(after), key=lambda k: (FIRST.index(k) if k in FIRST else len(FIRST), k))
    return [f"{k} {_show(before.get(k))} vs {_show(after.get(k))}" for k in keys if before.get(k) != after.get(k)]


def _show(value: Any) -> str:
    if value is None:
        return "(not recorded)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_show(v)}" for k, v in sorted(value.items())) + "}" if value else "{}"
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value) or "[]"
    return str(value)


def resume_conflict(was: Any, now: Any) -> str | None:
    """Why results made with backend `now` must not join results made with `was` in one run directory
    (a resume on another machine, or with other CT2_* settings); None where they agree or either is unknown."""
    if not (backend_known(was) and backend_known(now)):
        return None
    changes = backend_differences(was, now)
    return f"its inference backend changed ({'; '.join(changes)})" if changes else None
