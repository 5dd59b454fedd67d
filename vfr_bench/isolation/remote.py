"""An adapter that runs in another virtual environment, behind the worker protocol (worker.py).

To the runner, tasks and metrics it is an adapter like any other. If the worker dies, the request
in flight fails (the runner records that sample as an error) and the next request starts a fresh
worker and loads the model again; the run goes on.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from vfr_bench.protocol import Adapter, AdapterUnavailable, RateControl, Request, Response

LOG_TAIL = 2000
# Start the worker without the working directory on sys.path (as `python -m` would put it first): run
# from a checkout, the folder `vfr_bench/` there would shadow the environment's installed vfr-bench,
# whose adapters and suites live inside it (vfr_bench.baselines, vfr_bench.tasks).
WORKER_BOOT = (
    "import sys; sys.path[:] = [p for p in sys.path if p not in ('', '.')]; "
    "from vfr_bench.isolation.worker import main; main()"
)


class WorkerDied(RuntimeError):
    """The worker process ended while answering; the message has the tail of its log."""


class RemoteAdapter(Adapter):
    """Proxy for adapter `name` running with the Python at `python`."""

    def __init__(self, name: str, python: str, device: str = "cpu", options: dict[str, Any] | None = None):
        self.name = name
        self.python = python
        self.device = device
        self.remote_options = dict(options or {})
        self.config = {"env_python": python, **self.remote_options}
        self._exchange = Path(tempfile.mkdtemp(prefix="vfr-bench-worker-"))
        self._log = self._exchange / "worker.log"
        self._process: subprocess.Popen | None = None
        self._hello: dict[str, Any] | None = None
        self._loaded = False
        self.restarts = 0

    # ---- the worker process ------------------------------------------------------------------

    def _start(self) -> None:
        command = [
            self.python,
            "-c",
            WORKER_BOOT,
            "--model",
            self.name,
            "--device",
            self.device,
            "--options",
            json.dumps(self.remote_options),
            "--exchange",
            str(self._exchange),
        ]
        try:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=open(self._log, "ab"),
                text=True,
                bufsize=1,
            )
        except OSError as err:
            raise AdapterUnavailable(
                f"model {self.name!r}: cannot start its worker with {self.python} ({err}); "
                f"build the environment with `vfr-bench env create`"
            ) from None
        self._loaded = False
        self._hello = self._call({"op": "hello"})

    def _alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _log_tail(self) -> str:
        try:
            return self._log.read_text(errors="replace")[-LOG_TAIL:]
        except OSError:
            return ""

    def _call(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self._process is not None and self._process.stdin and self._process.stdout
        try:
            self._process.stdin.write(json.dumps(message) + "\n")
            self._process.stdin.flush()
            line = self._process.stdout.readline()
        except (BrokenPipeError, OSError):
            line = ""
        if not line:
            code = self._process.wait(timeout=30)
            self._process = None
            raise WorkerDied(
                f"the worker for model {self.name!r} ended (exit code {code}) during {message['op']!r}; "
                f"its log ends: {self._log_tail()[-600:]!r}"
            )
        reply = json.loads(line)
        if not reply.get("ok"):
            raise RuntimeError(f"{reply.get('error')} (in the worker for {self.name!r})")
        return reply

    def _ensure(self) -> None:
        """A live worker; one that died is restarted and, if the model was loaded, loaded again here,
        which the runner calls before it starts the clock (model loading is never timed)."""
        if not self._alive():
            restarting = self._hello is not None
            self._start()
            if restarting:
                self.restarts += 1
                if getattr(self, "_description", None) is not None:
                    self.load()

    # ---- what the runner sees ----------------------------------------------------------------

    def start(self) -> None:
        """Start the worker now (it says hello), so that a bad option or environment fails before any work."""
        self._ensure()

    def _greeting(self) -> dict[str, Any]:
        """The worker's hello (what its adapter can do), from a live worker."""
        self._ensure()
        assert self._hello is not None, "a started worker has said hello"
        return self._hello

    @property
    def capabilities(self) -> frozenset[str]:  # type: ignore[override]
        return frozenset(self._greeting()["capabilities"])

    def rate_control_for(self) -> RateControl:
        return RateControl(**self._greeting()["rate_control"])

    def load(self) -> None:
        self._ensure()
        self._description = self._call({"op": "load"})["describe"]
        self._loaded = True

    def describe(self) -> dict[str, Any]:
        info = {"isolated": True, "env_python": self.python, "worker_restarts": self.restarts}
        return {**getattr(self, "_description", {"options": self.remote_options}), **info}

    def generate(self, request: Request) -> Response:
        if not self._alive() or not self._loaded:
            self._ensure()
            self.load()
        fields = {
            "kind": request.kind,
            "sample_id": request.sample_id,
            "sample_rate": request.sample_rate,
            "text": request.text,
            "language": request.language,
            "input_hz": request.input_hz,
            "output_hz": request.output_hz,
            "audio": None,
        }
        path = None
        if request.audio is not None:
            path = self._exchange / f"in-{uuid.uuid4().hex}.npy"
            np.save(path, np.asarray(request.audio, dtype=np.float32))
            fields["audio"] = str(path)
        try:
            out = self._call({"op": "generate", "request": fields})["response"]
        finally:
            if path is not None:
                path.unlink(missing_ok=True)
        audio_path = out.pop("audio", None)
        if audio_path:
            out["audio"] = np.load(audio_path)
            Path(audio_path).unlink(missing_ok=True)
        return Response(**out)

    def synchronize(self) -> None:
        """The worker synchronises its device before it answers."""

    def close(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            try:
                self._call({"op": "close"})
            except (WorkerDied, RuntimeError):
                pass
            process.wait(timeout=30)
        self._process = None
        shutil.rmtree(self._exchange, ignore_errors=True)
