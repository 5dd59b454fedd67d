"""A run killed with SIGKILL at an arbitrary moment loses nothing finished and duplicates nothing."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.helpers import write_manifest
from vfr_bench.jsonl import read_jsonl

REPO = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from tests.helpers import make_registry
    from vfr_bench.rates import parse_rate_specs
    from vfr_bench.run import RunConfig, Runner
    from vfr_bench.task_files import all_tasks
    out, manifest, resume = Path(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
    tasks = all_tasks()
    cfg = RunConfig(models=["counting"], rate_specs=parse_rate_specs("12.5,6.25,5,4"),
                    tasks=[tasks["asr"], tasks["rate-fidelity"]], out=out, data=manifest, resume=resume,
                    model_options={"counting": {"sleep": "0.02"}}, warmup=0)
    Runner(cfg, registry=make_registry()).run()
""")


def start(out, manifest, resume):
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(out), str(manifest), "1" if resume else "0"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def wait_for_lines(path, n, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= n:
            return
        assert proc.poll() is None, "the run ended before it could be killed"
        time.sleep(0.005)
    raise AssertionError("the run made no progress")


def test_sigkill_then_resume_completes_the_grid_exactly_once(tmp_path):
    manifest = write_manifest(tmp_path / "data", n=6)
    out = tmp_path / "run"
    samples = out / "samples.jsonl"
    total = 4 * 2 * 6
    kept_prefix = b""
    for kill_after in (5, 17, 30):  # killed three times at different points, resumed each time
        proc = start(out, manifest, resume=samples.exists())
        wait_for_lines(samples, kill_after, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        data = samples.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]
        assert complete.startswith(kept_prefix), "a finished record was lost or rewritten"
        kept_prefix = complete
    proc = start(out, manifest, resume=True)
    assert proc.wait(timeout=120) == 0
    assert samples.read_bytes().startswith(kept_prefix)
    records = read_jsonl(samples)
    keys = [(r["rate_spec"], r["task"], r["sample_id"]) for r in records]
    assert len(keys) == len(set(keys)) == total
    assert all(r["status"] == "ok" for r in records)
