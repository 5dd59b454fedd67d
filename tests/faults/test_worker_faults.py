"""Faults in a model worker (--model-env): a chatty library, a hung request, a failed start, secrets.

The worker here runs a plug-in adapter with this environment's own Python, so these tests need no
second environment and no model; tests/test_isolation.py runs the training-free models the same way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.helpers import write_manifest
from vfr_bench.isolation import channel, remote
from vfr_bench.jsonl import read_jsonl
from vfr_bench.protocol import Request

# The adapter a badly behaved model library makes: it writes to fd 1 at import, at load and in every
# request, and some of what it writes looks exactly like a worker reply. Sample "u2" hangs, in a
# child process of its own as a model's decoder subprocess might.
MISBEHAVING = textwrap.dedent(
    """
    import os, subprocess, sys, time
    from pathlib import Path

    from vfr_bench.models import register_model
    from vfr_bench.protocol import Adapter, RateControl, Request, Response

    os.write(1, b'{"id": 1, "ok": true, "name": "impostor", "capabilities": [], "rate_control": {}}\\n')
    print('{"id": 2, "ok": true, "describe": {"impostor": true}}', flush=True)


    @register_model("misbehaving", summary="test plug-in: writes to stdout, hangs on u2")
    class Misbehaving(Adapter):
        capabilities = frozenset({"asr"})
        rate_control = RateControl("fixed", native_input_hz=10.0)
        options = {"colour": (str, "blue", "a colour")}

        def load(self):
            os.write(1, b'{"id": 3, "ok": true, "describe": {}}\\n')
            time.sleep(1.5)  # loading takes long; no sample's time may include it

        def describe(self):
            return {**super().describe(), "judge_key_seen": "VFR_BENCH_JUDGE_API_KEY" in os.environ}

        def generate(self, request: Request) -> Response:
            print(f'{{"id": 4, "ok": true, "response": {{"text": "impostor"}}}}', flush=True)
            if request.sample_id == "u2":
                child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
                Path(os.environ["HUNG_PID_FILE"]).write_text(str(child.pid))
                child.wait()
            seconds = len(request.audio) / request.sample_rate
            return Response(text=f"heard {request.sample_id}", n_input_tokens=round(10 * seconds))
    """
)


@pytest.fixture
def plugin(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "misbehaving.py").write_text(MISBEHAVING)
    monkeypatch.setenv("VFR_BENCH_PLUGIN_PATH", str(folder))
    monkeypatch.setenv("HUNG_PID_FILE", str(tmp_path / "hung.pid"))
    return folder


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a killed child not yet reaped by its (dead) parent is a zombie: gone for our purposes
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_what_a_library_writes_to_stdout_never_shifts_a_reply(plugin):
    """Seen: a model library that prints at import made every reply the previous request's."""
    adapter = remote.RemoteAdapter("misbehaving", sys.executable)
    try:
        assert adapter.capabilities == frozenset({"asr"})
        adapter.load()
        assert "impostor" not in json.dumps(adapter.describe())
        for i in (0, 1):
            out = adapter.generate(Request("asr", f"u{i}", [0.0] * 16000, input_hz=10.0))
            assert out.text == f"heard u{i}" and out.n_input_tokens == 10
        log = (adapter._exchange / "worker.log").read_text()
        assert '"name": "impostor"' in log  # it went to the worker's log instead
    finally:
        adapter.close()


def test_a_hung_request_is_stopped_recorded_and_the_run_goes_on(plugin, tmp_path):
    manifest = write_manifest(tmp_path / "data", n=4)
    out = tmp_path / "run"
    args = [
        "run", "--model", "misbehaving", "--model-env", f"misbehaving={sys.executable}", "--rates", "native",
        "--tasks", "asr", "--data", str(manifest), "--out", str(out), "--warmup", "0", "--no-score",
        "--worker-timeout", "5",
    ]  # fmt: skip
    scratch = tmp_path / "tmp"  # where the workers' exchange folders go
    scratch.mkdir()
    start = time.monotonic()
    result = subprocess.run(
        [str(Path(sys.executable).parent / "vfr-bench"), *args], capture_output=True, text=True, timeout=300,
        env={**os.environ, "COLUMNS": "100", "TMPDIR": str(scratch)},
    )  # fmt: skip
    assert time.monotonic() - start < 120
    assert result.returncode == 3, result.stdout + result.stderr  # finished, one sample failed
    records = {r["sample_id"]: r for r in read_jsonl(out / "samples.jsonl")}
    assert records["u2"]["status"] == "error"
    assert "no reply to 'generate' within 5 s" in records["u2"]["error"]
    assert [records[u]["status"] for u in ("u0", "u1", "u3")] == ["ok"] * 3
    assert records["u3"]["text"] == "heard u3"  # a fresh worker answered the next sample
    # the hung request's own child process was stopped with the worker, not left running
    hung = int((tmp_path / "hung.pid").read_text())
    deadline = time.monotonic() + 10
    while alive(hung) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(hung)
    assert not list(scratch.glob("vfr-bench-worker-*"))  # every worker's folder removed, the stopped one's too
    extra = {u: records[u]["adapter_extra"] for u in ("u0", "u1", "u3")}
    assert [extra[u]["worker_restarts"] for u in ("u0", "u1", "u3")] == [0, 0, 1]
    assert [extra[u]["cold_worker"] for u in ("u0", "u1", "u3")] == [False, False, True]
    # the model was loaded again before the clock started: u3's time is one request, not a load
    assert records["u3"]["timings"]["t_total"] < 1


def test_a_worker_that_cannot_start_leaves_nothing_behind(plugin):
    adapter = remote.RemoteAdapter("misbehaving", sys.executable, options={"shade": "red"})
    exchange = adapter._exchange
    with pytest.raises(remote.WorkerDied, match="has no option shade"):
        adapter.start()
    assert not exchange.exists() and not adapter._channel.alive()


def test_the_worker_does_not_see_the_judge_key(plugin, monkeypatch):
    monkeypatch.setenv("VFR_BENCH_JUDGE_API_KEY", "sk-secret")
    adapter = remote.RemoteAdapter("misbehaving", sys.executable)
    try:
        adapter.load()
        assert adapter.describe()["judge_key_seen"] is False
    finally:
        adapter.close()


def test_a_reply_to_another_request_stops_the_worker(tmp_path, monkeypatch):
    """A worker that answers with the wrong id (or not JSON) is out of step: it is stopped, never read on."""
    fake = "import sys, os; fd = int(sys.argv[sys.argv.index('--reply-fd') + 1]); sys.stdin.readline(); " + (
        'os.write(fd, b\'{"id": 99, "ok": true}\\n\'); sys.stdin.readline()'
    )
    monkeypatch.setattr(channel, "WORKER_BOOT", fake)
    worker = channel.WorkerChannel(sys.executable, [], tmp_path / "log")
    worker.start()
    with pytest.raises(channel.WorkerDied, match="broke the protocol"):
        worker.call({"op": "hello"}, timeout=30)
    assert not worker.alive()
