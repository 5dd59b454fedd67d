"""Commands the CLI tells the user to run work as printed, in the same shell: after the README's set-up
(`make run`, which calls `.venv/bin/vfr-bench` with no activated environment) a hint that says
`vfr-bench score ...` was "command not found"."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.test_gate import draw_edits, synthetic_run, utterances
from vfr_bench import cli_command as module
from vfr_bench.cli_command import cli_command

SCRIPT = Path(sys.executable).parent / "vfr-bench"


def test_the_hint_names_vfr_bench_only_where_the_path_finds_this_very_program(monkeypatch, tmp_path):
    monkeypatch.chdir(SCRIPT.parents[2])  # the repository root, as `make run` runs from it
    monkeypatch.setattr(sys, "argv", [os.path.relpath(SCRIPT)])
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no activated environment
    assert cli_command() == os.path.relpath(SCRIPT) and "/" in cli_command()
    monkeypatch.setenv("PATH", f"{SCRIPT.parent}:/usr/bin:/bin")  # `source .venv/bin/activate`
    assert cli_command() == "vfr-bench"
    other = tmp_path / "bin" / "vfr-bench"  # another vfr-bench first on the PATH: not this one
    other.parent.mkdir()
    other.write_text("#!/bin/sh\n")
    other.chmod(0o755)
    monkeypatch.setenv("PATH", f"{other.parent}:/usr/bin:/bin")
    assert cli_command() == os.path.relpath(SCRIPT)
    monkeypatch.chdir(tmp_path)  # outside the checkout: the absolute path
    assert cli_command() == str(SCRIPT)
    monkeypatch.setattr(sys, "argv", ["python -c"])  # the Python API: the script beside this Python
    monkeypatch.setattr(module.shutil, "which", lambda name: None)
    assert cli_command() == str(SCRIPT)


def test_a_hint_printed_by_the_cli_runs_as_printed_in_the_same_shell(tmp_path):
    """The gate of an unscored run says to score it: that command, pasted into the shell that ran the
    gate (no environment activated), scores the run, and the gate then passes."""
    lengths, p = utterances(20, seed=5)
    run = synthetic_run(tmp_path / "run", draw_edits(lengths, p, seed=6), lengths)
    (run / "scores.jsonl").unlink()
    (run / "summary.csv").unlink()
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    repo = SCRIPT.parents[2]
    gate = [os.path.relpath(SCRIPT, repo), "gate", "--baseline", str(run), "--candidate", str(run)]
    said = subprocess.run(gate, cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert said.returncode == 2, said.stderr
    hint = re.search(r"run `([^`]+)` first", said.stderr).group(1)
    assert hint.startswith(f"{os.path.relpath(SCRIPT, repo)} score "), hint
    scored = subprocess.run(hint, shell=True, cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert scored.returncode == 0, scored.stderr
    again = subprocess.run(gate, cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
