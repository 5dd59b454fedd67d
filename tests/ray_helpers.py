"""Fixtures of the Ray executor's tests: a local Ray cluster of 2 CPUs shared by a test module, test
adapters that say which process runs them or fail to load, and a driver script to kill."""

from __future__ import annotations

import os
import signal
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

from tests.helpers import CountingAdapter
from vfr_bench.jsonl import read_jsonl
from vfr_bench.models import ModelRegistry, model_registry
from vfr_bench.protocol import Request, Response

REPO = Path(__file__).resolve().parents[1]
# Ray 2.60 turns token authentication on by default, writing a token under the user's home
RAY_ENV = {"RAY_AUTH_MODE": "disabled"}


class WatchedAdapter(CountingAdapter):
    """The counting adapter, writing its process id to `pid_file` when it loads (so a test can kill
    the Ray worker that runs it); options make it kill its own process (never run it in the test's)."""

    name = "watched"
    options: ClassVar[dict[str, tuple[type, Any, str]]] = {
        **CountingAdapter.options,
        "pid_file": (str, None, "file the loading process appends its pid to"),
        "die_on": (str, None, "sample id whose request kills the process"),
        "die_loading": (bool, False, "loading kills the process"),
        "hang_on": (str, None, "sample id whose request never returns"),
    }

    def load(self) -> None:
        if self.config["pid_file"]:
            with open(self.config["pid_file"], "a") as f:
                f.write(f"{os.getpid()}\n")
        if self.config["die_loading"]:
            os.kill(os.getpid(), signal.SIGKILL)

    def generate(self, request: Request) -> Response:
        if request.sample_id == self.config["die_on"]:
            os.kill(os.getpid(), signal.SIGKILL)
        if request.sample_id == self.config["hang_on"]:
            time.sleep(3600)  # a model stuck in a kernel or a deadlock
        return super().generate(request)


class BrokenAdapter(CountingAdapter):
    """A model whose weights do not load."""

    name = "broken"

    def load(self) -> None:
        raise RuntimeError("checkpoint shard 3 of 4 is truncated")


def ray_registry() -> ModelRegistry:
    registry = model_registry(builtins=False)
    registry.add("counting", CountingAdapter)
    registry.add("watched", WatchedAdapter)
    registry.add("broken", BrokenAdapter)
    return ModelRegistry(registry)


DRIVER = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from tests.ray_helpers import ray_registry
    from vfr_bench.rates import parse_rate_specs
    from vfr_bench.run import RunConfig, Runner
    from vfr_bench.run.config import RayOptions
    from vfr_bench.task_files import all_tasks
    args = json.loads(sys.argv[1])
    tasks = all_tasks()
    cfg = RunConfig(models=["watched"], rate_specs=parse_rate_specs("12.5,6.25,5,4"),
                    tasks=[tasks["asr"], tasks["rate-fidelity"]], out=Path(args["out"]), data=args["data"],
                    resume=args["resume"], warmup=0, executor=args["executor"], unit_size=3,
                    ray=RayOptions(address=args["address"], workers=2),
                    model_options={"watched": {"sleep": "0.03", "pid_file": args["pids"]}})
    Runner(cfg, registry=ray_registry()).run()
""")


def driver_command(out: Path, data: Path, pids: Path, executor: str, address: str | None, resume: bool) -> list[str]:
    import json

    args = {"out": str(out), "data": str(data), "pids": str(pids), "executor": executor, "address": address,
            "resume": resume}  # fmt: skip
    return [sys.executable, "-c", DRIVER, json.dumps(args)]


def driver_env() -> dict[str, str]:
    return {**os.environ, **RAY_ENV, "PYTHONPATH": str(REPO)}


def keys_recorded(samples: Path) -> Counter[tuple[str, ...]]:
    """How many records each (model, rate spec, task, sample) has."""
    return Counter((r["model"], r["rate_spec"], r["task"], r["sample_id"]) for r in read_jsonl(samples))


def pids_in(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def wait_until(condition, timeout: float = 120.0, what: str = "the run to get there") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
