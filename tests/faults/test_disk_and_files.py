"""A full disk, a file this user may not read, a damaged run directory: every command says which
file and what to do in one line, exits non-zero, and keeps every record finished before the fault;
the same command run again afterwards finishes the work. `--debug` shows the traceback instead."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import assert_conforms, write_manifest
from tests.test_gate import draw_edits, synthetic_run, utterances
from vfr_bench.cli import main
from vfr_bench.jsonl import read_jsonl

VFR_BENCH = str(Path(sys.executable).parent / "vfr-bench")

# A model plug-in, and the disk filling up under the run: once FULL_AFTER writes have reached
# FULL_FILE, the next is cut short and every later write or fsync in that folder fails with ENOSPC.
FULL_DISK_PLUGIN = textwrap.dedent(
    """
    import errno, os

    from vfr_bench.models import register_model
    from vfr_bench.protocol import Adapter, RateControl, Response


    @register_model("steady", summary="test plug-in: keeps frames at the requested rate")
    class Steady(Adapter):
        capabilities = frozenset({"asr"})
        rate_control = RateControl("controllable", native_input_hz=25.0, min_hz=1, max_hz=25)

        def generate(self, request):
            seconds = len(request.audio) / request.sample_rate
            n = max(1, round(request.input_hz * seconds))
            return Response(text=f"utterance number {request.sample_id[1:]}", n_input_tokens=n)


    if os.environ.get("FULL_AFTER"):
        state = {"left": int(os.environ["FULL_AFTER"]), "full": False}
        real_write, real_fsync = os.write, os.fsync

        def target(fd):
            try:
                return os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                return ""

        def write(fd, data):
            path = target(fd)
            if state["full"] and path.startswith(os.environ["FULL_FOLDER"]):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            if path.endswith(os.environ["FULL_FILE"]):
                if state["left"] == 0:
                    state["full"] = True
                    return real_write(fd, bytes(data)[: len(data) // 2])  # what still fitted
                state["left"] -= 1
            return real_write(fd, data)

        def fsync(fd):
            if state["full"] and target(fd).startswith(os.environ["FULL_FOLDER"]):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real_fsync(fd)

        os.write, os.fsync = write, fsync
    """
)


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [VFR_BENCH, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "100", **(env or {})},
    )


def test_a_disk_that_fills_mid_run_stops_it_cleanly_and_a_resume_finishes(tmp_path):
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "steady.py").write_text(FULL_DISK_PLUGIN)
    manifest = write_manifest(tmp_path / "data", n=6)
    out = tmp_path / "run"
    args = ["run", "--model", "steady", "--rates", "12.5", "--tasks", "asr", "--data", str(manifest),
            "--out", str(out), "--warmup", "0", "--no-score"]  # fmt: skip
    plugin = {"VFR_BENCH_PLUGIN_PATH": str(tmp_path / "plugins")}
    full = {**plugin, "FULL_AFTER": "3", "FULL_FILE": "samples.jsonl", "FULL_FOLDER": str(out)}

    stopped = cli(*args, env=full)
    assert stopped.returncode == 1 and "Traceback" not in stopped.stderr
    assert f"cannot write {out / 'samples.jsonl'}: no space left on the device" in " ".join(stopped.stderr.split())
    assert "--resume" in stopped.stderr
    assert [r["sample_id"] for r in read_jsonl(out / "samples.jsonl")] == ["u0", "u1", "u2"]  # none lost
    assert not (out / "samples.jsonl").read_bytes().endswith(b"\n")  # the record the disk cut short

    resumed = cli(*[a for a in args if a != "--no-score"], "--resume", env=plugin)
    assert resumed.returncode == 0, resumed.stderr
    records = read_jsonl(out / "samples.jsonl")
    assert sorted(r["sample_id"] for r in records) == [f"u{i}" for i in range(6)]
    assert all(r["status"] == "ok" for r in records)
    assert_conforms(out)


@pytest.fixture
def scored(tmp_path) -> Path:
    lengths, p = utterances(12, seed=1)
    run = synthetic_run(tmp_path / "run", draw_edits(lengths, p, seed=2), lengths)
    (run / "scores.jsonl").unlink()
    (run / "summary.csv").unlink(missing_ok=True)
    return run


def fill_disk_after(monkeypatch, writes: int, file: str) -> None:
    """In this process: after `writes` writes to `file`, every write to it fails with ENOSPC."""
    real_write = os.write
    left = {"n": writes}

    def write(fd, data):
        try:
            path = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            path = ""
        if path.endswith(file):
            if left["n"] == 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            left["n"] -= 1
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)


def test_a_disk_that_fills_while_scoring_keeps_the_scores_made(scored, tmp_path, monkeypatch):
    clean = shutil.copytree(scored, tmp_path / "clean")
    assert CliRunner().invoke(main, ["score", str(clean)]).exit_code == 0

    with monkeypatch.context() as patch:
        fill_disk_after(patch, 1, "scores.jsonl")  # the first metric's scores fit, the rest do not
        result = CliRunner().invoke(main, ["score", str(scored)])
    assert result.exit_code == 1 and result.exception is not None and isinstance(result.exception, SystemExit)
    assert f"cannot write {scored / 'scores.jsonl'}: no space left" in " ".join(result.output.split())
    kept = read_jsonl(scored / "scores.jsonl")
    assert kept and len({s["metric"] for s in kept}) == 1
    assert not (scored / "summary.csv").exists()  # no summary of a half-scored run

    assert CliRunner().invoke(main, ["score", str(scored)]).exit_code == 0  # the disk has room again
    assert (scored / "summary.csv").read_text() == (clean / "summary.csv").read_text()


@pytest.mark.parametrize("command", [["score", "{run}"], ["report", "{run}", "--out", "{tmp}/rep"], ["check", "{run}"]])
def test_a_file_this_user_may_not_read(scored, tmp_path, monkeypatch, command):
    """Injected (tests may run as root, whom chmod does not stop)."""
    assert CliRunner().invoke(main, ["score", str(scored)]).exit_code == 0
    real = Path.read_bytes

    def denied(self):
        if self.name == "samples.jsonl":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    args = [a.format(run=scored, tmp=tmp_path) for a in command]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert f"{scored / 'samples.jsonl'}: permission denied" in " ".join(result.output.split())


def damage(run: Path, file: str, line: int, text: bytes) -> None:
    lines = (run / file).read_bytes().split(b"\n")
    lines[line - 1] = text
    (run / file).write_bytes(b"\n".join(lines))


@pytest.mark.parametrize(
    "file, text, says",
    [
        ("samples.jsonl", b'{"model": "m", "rate', "samples.jsonl:4 is not a valid SampleRecord"),
        ("samples.jsonl", b'{"model": "m\xff"}', "samples.jsonl:4 is not UTF-8 text"),
        ("scores.jsonl", b"{not json", "scores.jsonl:4 is not a valid ScoreRecord"),
        ("manifest.json", b"{", "manifest.json is not a valid manifest"),
    ],
)
def test_a_damaged_run_directory_is_named_not_read(scored, tmp_path, file, text, says):
    assert CliRunner().invoke(main, ["score", str(scored)]).exit_code == 0
    if file.endswith(".jsonl"):
        damage(scored, file, 4, text)
    else:
        (scored / file).write_bytes(text)
    for args, code in (
        (["score", str(scored)], 1),
        (["gate", "--baseline", str(scored), "--candidate", str(scored)], 2),  # cannot compare
        (["report", str(scored), "--out", str(tmp_path / "rep")], 1),
    ):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == code and isinstance(result.exception, SystemExit), (args, result.output)
        assert says in " ".join(result.output.split()), (args, result.output)
        assert "Traceback" not in result.output
    if file != "manifest.json":
        assert "delete that line" in " ".join(result.output.split())


def test_a_report_of_a_summary_the_run_has_moved_on_from_is_refused(scored, tmp_path):
    """Seen: samples added by a resume run with --no-score were missing from the report, silently."""
    assert CliRunner().invoke(main, ["score", str(scored)]).exit_code == 0
    lines = (scored / "samples.jsonl").read_text().splitlines()
    extra = {**json.loads(lines[0]), "sample_id": "late"}
    with open(scored / "samples.jsonl", "a") as f:
        f.write(json.dumps(extra) + "\n")
    result = CliRunner().invoke(main, ["report", str(scored), "--out", str(tmp_path / "rep")])
    assert result.exit_code == 1 and "summary.csv is out of date (1 ok sample(s) have no scores)" in " ".join(
        result.output.split()
    )
    assert not (tmp_path / "rep" / "README.md").exists()
    calibration = CliRunner().invoke(
        main, ["gate", "calibrate", str(scored), str(scored), "--out", str(tmp_path / "g")]
    )
    assert calibration.exit_code == 1 and "out of date" in calibration.output
    assert CliRunner().invoke(main, ["score", str(scored)]).exit_code == 0
    assert CliRunner().invoke(main, ["report", str(scored), "--out", str(tmp_path / "rep")]).exit_code == 0


def test_a_missing_manifest(scored):
    (scored / "manifest.json").unlink()
    result = CliRunner().invoke(main, ["score", str(scored)])
    assert result.exit_code == 1 and "is not a run directory (no manifest.json)" in result.output


def test_debug_shows_the_traceback(scored):
    (scored / "samples.jsonl").write_bytes(b'{"x": 1}\n')
    quiet = CliRunner().invoke(main, ["score", str(scored)])
    assert quiet.exit_code == 1 and isinstance(quiet.exception, SystemExit)
    loud = CliRunner().invoke(main, ["--debug", "score", str(scored)])
    assert loud.exit_code == 1 and not isinstance(loud.exception, SystemExit)  # the error itself, traceback and all
    assert "samples.jsonl:1" in str(loud.exception)
    assert json.loads((scored / "samples.jsonl").read_text())  # nothing rewritten on the way
