"""The one transport between vfr-bench and a model worker: a process with a reply pipe of its own.

Requests go down the worker's stdin; replies come back on a dedicated pipe (its file descriptor is
passed to the worker), never on stdout. The worker points its fd 1 at its log before importing any
model code, so a C library, a subprocess or a stray print cannot write into the protocol. Every
request carries an id that its reply must echo; a reply that does not, or none within the
request's deadline, ends the worker (its whole process group) with the reason.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from vfr_bench.cli_command import cli_command
from vfr_bench.protocol import AdapterUnavailable

LOG_TAIL = 600
SECRET_ENVS = ("VFR_BENCH_JUDGE_API_KEY", "OPENAI_API_KEY")  # a model's code has no business with the judge's key
# Start without the working directory on sys.path (as `python -m` would put it first): run from a
# checkout, its folder `vfr_bench/` would shadow the environment's installed vfr-bench.
WORKER_BOOT = (
    "import sys; sys.path[:] = [p for p in sys.path if p not in ('', '.')]; "
    "from vfr_bench.isolation.worker import main; main()"
)


class WorkerDied(RuntimeError):
    """The worker ended, hung past its deadline or broke the protocol; the message says which."""


class WorkerChannel:
    """One worker process: start it, ask it, end it."""

    def __init__(self, python: str, args: list[str], log: Path):
        self.python, self.args, self.log = python, args, log
        self.process: subprocess.Popen[bytes] | None = None
        self._replies: int | None = None
        self._buffer = b""
        self._next_id = 0

    def start(self) -> None:
        read, write = os.pipe()
        env = {k: v for k, v in os.environ.items() if k not in SECRET_ENVS}
        try:
            with open(self.log, "ab") as log:
                self.process = subprocess.Popen(
                    [self.python, "-c", WORKER_BOOT, *self.args, "--reply-fd", str(write)], stdin=subprocess.PIPE,
                    stdout=log, stderr=log, pass_fds=(write,), env=env, start_new_session=True,
                )  # fmt: skip
        except OSError as err:
            os.close(read)
            raise AdapterUnavailable(
                f"cannot start a worker with {self.python} ({err}); "
                f"build the environment with `{cli_command()} env create`"
            ) from None
        finally:
            os.close(write)
        self._replies, self._buffer = read, b""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def call(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send `message`, wait up to `timeout` seconds for its reply; WorkerDied otherwise."""
        assert self.process is not None and self.process.stdin is not None
        self._next_id += 1
        ident = self._next_id
        try:
            self.process.stdin.write((json.dumps({**message, "id": ident}) + "\n").encode())
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the reply read below finds the worker gone and says so
        line = self._read_line(time.monotonic() + timeout)
        if line is None:
            self.kill()
            raise WorkerDied(f"no reply to {message['op']!r} within {timeout:g} s: the worker was stopped")
        if line == b"":
            code = self.end()
            raise WorkerDied(
                f"the worker ended (exit code {code}) during {message['op']!r}; its log ends: {self.tail()!r}"
            )
        try:
            reply = json.loads(line)
        except json.JSONDecodeError:
            reply = None
        if not isinstance(reply, dict) or reply.get("id") != ident:
            self.kill()
            raise WorkerDied(f"the worker broke the protocol: reply {line[:120]!r} to request {ident}: it was stopped")
        return reply

    def _read_line(self, deadline: float) -> bytes | None:
        """The next reply line; b"" when the worker closed the pipe; None past the deadline."""
        assert self._replies is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._replies, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    return None
                chunk = os.read(self._replies, 1 << 16)
                if not chunk:
                    return b""
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-LOG_TAIL:]
        except OSError:
            return ""

    def kill(self) -> None:
        """End the worker and everything it started, now."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.end()

    def end(self) -> int | None:
        code = None
        if self.process is not None:
            try:
                code = self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                code = self.process.wait()
            if self.process.stdin:
                try:
                    self.process.stdin.close()
                except OSError:  # a request the dead worker never read is still buffered
                    pass
        if self._replies is not None:
            os.close(self._replies)
        self.process, self._replies = None, None
        return code
