"""`vfr-bench env create MODEL`: a virtual environment with the model's pinned requirements.

Models pin incompatible stacks (torch 2.4 / 2.6 / current, transformers 4.49 / 4.52 / 5.x), so each
can get its own environment; the runner then talks to it through a worker process. The
environment holds vfr-bench itself (the same code: vfr_bench.isolation.install_source) plus the
adapter's declared `requirements`.
"""

from __future__ import annotations

import os
import subprocess
import venv
from pathlib import Path

from vfr_bench.cli_command import cli_command
from vfr_bench.isolation.install_source import install_target
from vfr_bench.protocol import AdapterUnavailable


def envs_root() -> Path:
    if os.environ.get("VFR_BENCH_ENVS"):
        return Path(os.environ["VFR_BENCH_ENVS"])
    from vfr_bench.data.builtin_speech import cache_root

    return cache_root() / "envs"


def env_python(env: str) -> str:
    """The Python of an environment given by name (created with `env create`), folder or interpreter path."""
    path = Path(env).expanduser()
    candidates = [path] if path.is_file() else [path / "bin" / "python", envs_root() / env / "bin" / "python"]
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    raise AdapterUnavailable(
        f"no environment {env!r}: create it with `{cli_command()} env create MODEL --name {env}`, "
        "or give a virtual environment's folder or its python"
    )


def create_env(
    name: str,
    extras: tuple[str, ...],
    requirements: tuple[str, ...],
    torch: str | None = None,
    path: Path | None = None,
    log=print,
) -> Path:
    """Build (or update) the environment; returns its folder."""
    target = install_target(f"[{','.join(extras)}]" if extras else "")  # refused before anything is built
    folder = path or envs_root() / name
    folder.parent.mkdir(parents=True, exist_ok=True)
    if not (folder / "bin" / "python").is_file():
        log(f"creating {folder}")
        venv.EnvBuilder(with_pip=True).create(folder)
    python = str(folder / "bin" / "python")
    steps = ([[python, "-m", "pip", "install", "--quiet", torch]] if torch else []) + [
        [python, "-m", "pip", "install", "--quiet", target, *requirements]
    ]
    for step in steps:
        log(" ".join(step[3:]))
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"installing into {folder} failed: {' '.join(step)}\n{done.stderr[-2000:]}")
    return folder
