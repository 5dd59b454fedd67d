"""An adapter that runs in another virtual environment, behind the worker protocol (worker.py).

To the runner, tasks and metrics it is an adapter like any other. If the worker dies, hangs past
its deadline or breaks the protocol, the request in flight fails (the runner records that sample
as an error) and the next request starts a fresh worker and loads the model again, in
`synchronize()`, before the runner starts the clock; the run goes on. Each answer's `extra` says
how many restarts came before it (`worker_restarts`) and whether the worker was fresh (`cold_worker`).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from vfr_bench.isolation import WORKER_TIMEOUT_S
from vfr_bench.isolation.channel import WorkerChannel, WorkerDied
from vfr_bench.protocol import Adapter, RateControl, Request, Response
from vfr_bench.token_alphabet import TokenAlphabet

LOAD_TIMEOUT_S = 3600.0  # loading weights (a download, where the hub is reachable, can take long)
HELLO_TIMEOUT_S = 600.0  # importing the adapter's libraries

__all__ = ["RemoteAdapter", "WorkerDied"]


class RemoteAdapter(Adapter):
    """Proxy for adapter `name` running with the Python at `python`."""

    def __init__(
        self,
        name: str,
        python: str,
        device: str = "cpu",
        options: dict[str, Any] | None = None,
        request_timeout: float = WORKER_TIMEOUT_S,
    ):
        self.name = name
        self.python = python
        self.device = device
        self.request_timeout = request_timeout
        self.remote_options = dict(options or {})
        self.config = {"env_python": python, **self.remote_options}
        self._exchange = Path(tempfile.mkdtemp(prefix="vfr-bench-worker-"))
        args = ["--model", name, "--device", device, "--options", json.dumps(self.remote_options)]
        self._channel = WorkerChannel(python, [*args, "--exchange", str(self._exchange)], self._exchange / "worker.log")
        self._hello: dict[str, Any] | None = None
        self._description: dict[str, Any] | None = None
        self._loaded = False
        self._cold = False  # the next answer comes from a freshly started worker, not warmed up
        self.restarts = 0

    # ---- the worker process ------------------------------------------------------------------

    def _call(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        try:
            reply = self._channel.call(message, timeout)
        except WorkerDied as err:
            self._loaded = False
            raise WorkerDied(f"model {self.name!r}: {err}") from None
        if not reply.get("ok"):
            raise RuntimeError(f"{reply.get('error')} (in the worker for {self.name!r})")
        return reply

    def _ensure(self) -> None:
        """A live worker that has said hello; one that died is started again (and counted)."""
        if self._channel.alive():
            return
        restarting = self._hello is not None
        self._channel.start()
        self._loaded = False
        self._hello = self._call({"op": "hello"}, HELLO_TIMEOUT_S)
        if restarting:
            self.restarts += 1
            self._cold = True

    def _ready(self) -> None:
        """A live worker with the model loaded (again, after a restart, once it was loaded before)."""
        self._ensure()
        if not self._loaded:
            self.load()

    # ---- what the runner sees ----------------------------------------------------------------

    def start(self) -> None:
        """Start the worker now (it says hello), so that a bad option or environment fails before any
        work; a worker that cannot start leaves nothing behind."""
        try:
            self._ensure()
        except BaseException:
            self.close()
            raise

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

    def token_alphabets(self) -> tuple[TokenAlphabet | None, TokenAlphabet | None]:
        sides = self._greeting().get("alphabets") or [None, None]  # a worker of an older vfr-bench says none
        return tuple(TokenAlphabet.model_validate(a) if a else None for a in sides)  # type: ignore[return-value]

    def load(self) -> None:
        self._ensure()
        self._description = self._call({"op": "load"}, LOAD_TIMEOUT_S)["describe"]
        self._loaded = True

    def describe(self) -> dict[str, Any]:
        info = {"isolated": True, "env_python": self.python}
        return {**(self._description or {"options": self.remote_options}), **info}

    def generate(self, request: Request) -> Response:
        self._ready()
        fields: dict[str, Any] = {
            "kind": request.kind, "sample_id": request.sample_id, "sample_rate": request.sample_rate,
            "text": request.text, "language": request.language, "input_hz": request.input_hz,
            "output_hz": request.output_hz, "audio": None,
        }  # fmt: skip
        path = None
        if request.audio is not None:
            path = self._exchange / f"in-{uuid.uuid4().hex}.npy"
            np.save(path, np.asarray(request.audio, dtype=np.float32))
            fields["audio"] = str(path)
        try:
            out = self._call({"op": "generate", "request": fields}, self.request_timeout)["response"]
        finally:
            if path is not None:
                path.unlink(missing_ok=True)
        # every answer says how many times the worker was restarted before it; the first from a
        # fresh worker is marked cold (its latency includes no warm-up)
        out["extra"] = {**(out.get("extra") or {}), "worker_restarts": self.restarts, "cold_worker": self._cold}
        self._cold = False
        audio_path = out.pop("audio", None)
        if audio_path:
            out["audio"] = np.load(audio_path)
            Path(audio_path).unlink(missing_ok=True)
        return Response(**out)

    def synchronize(self) -> None:
        """The worker synchronises its device before it answers. The runner calls this before it
        starts the clock, so a worker that died is restarted and its model loaded here, untimed."""
        if self._description is not None:
            self._ready()

    def close(self) -> None:
        if self._channel.alive():
            try:
                self._call({"op": "close"}, 60.0)
            except (WorkerDied, RuntimeError):
                pass
        self._channel.end()
        shutil.rmtree(self._exchange, ignore_errors=True)
