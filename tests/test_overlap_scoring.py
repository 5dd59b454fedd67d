"""Scoring overlapped with generation: finished samples are scored while the others are generated, the
pass after the run scores nothing twice and writes the summary a serial pass writes; a scorer that
dies, or a run that is killed, loses nothing and leaves no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from pathlib import Path

from tests.helpers import assert_conforms, make_registry, write_manifest
from tests.ray_helpers import alive, wait_until
from vfr_bench.jsonl import read_jsonl
from vfr_bench.metrics.judge_settings import JudgeSettings
from vfr_bench.rates import parse_rate_specs
from vfr_bench.run import RunConfig, Runner
from vfr_bench.run_dir import RunDirectory
from vfr_bench.scoring import score_run
from vfr_bench.scoring.overlap import ScoringPlan

REPO = Path(__file__).resolve().parents[1]
METRICS = {"asr": ["wer"], "rate-fidelity": []}
LATENCY = ("t_", "rtf")


def config(out: Path, data: Path, overlap: bool, **kw) -> RunConfig:
    from vfr_bench.task_files import all_tasks

    tasks = all_tasks()
    defaults = dict(
        models=["counting"], rate_specs=parse_rate_specs("12.5,6.25,4"), tasks=[tasks["asr"], tasks["rate-fidelity"]],
        out=out, data=str(data), warmup=0, overlap_scoring=ScoringPlan(METRICS, JudgeSettings()) if overlap else None,
    )  # fmt: skip
    defaults.update(kw)
    return RunConfig(**defaults)


def score_lines(run_dir: Path) -> Counter[tuple]:
    return Counter(
        (r["model"], r["rate_spec"], r["task"], r["sample_id"], r["metric"])
        for r in read_jsonl(run_dir / "scores.jsonl")
    )


def summary(run_dir: Path) -> dict[tuple, tuple]:
    rows = RunDirectory(run_dir).summary()
    return {(r.model, r.task, r.rate_spec, r.metric): (r.value, r.ci_low, r.ci_high, r.n) for r in rows
            if not r.metric.startswith(LATENCY)}  # fmt: skip


def scorers_of(run_dir: Path) -> list[int]:
    """The scoring processes working on `run_dir`."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "overlap_worker" in cmdline and str(run_dir.resolve()) in cmdline and proc.name.isdigit():
            found.append(int(proc.name))
    return [pid for pid in found if alive(pid)]


def test_every_sample_is_scored_by_the_time_the_run_returns_and_the_summary_is_the_serial_one(tmp_path):
    data = write_manifest(tmp_path / "data", n=5)
    Runner(config(tmp_path / "overlap", data, True), registry=make_registry()).run()
    made_alongside = score_lines(tmp_path / "overlap")
    Runner(config(tmp_path / "serial", data, False), registry=make_registry()).run()
    score_run(tmp_path / "serial", METRICS)
    assert set(made_alongside) == set(score_lines(tmp_path / "serial")) and set(made_alongside.values()) == {1}
    assert {m for *_, m in made_alongside} >= {"wer", "achieved_input_hz", "t_total_p50"}
    score_run(tmp_path / "overlap", METRICS)  # the pass after the run: the summary, nothing scored again
    assert score_lines(tmp_path / "overlap") == made_alongside
    assert summary(tmp_path / "overlap") == summary(tmp_path / "serial")
    assert_conforms(tmp_path / "overlap")


def test_samples_are_scored_while_the_others_are_still_being_generated(tmp_path):
    data = write_manifest(tmp_path / "data", n=6)
    out = tmp_path / "run"
    cfg = config(out, data, True, model_options={"counting": {"sleep": "0.1"}})
    driver = threading.Thread(target=lambda: Runner(cfg, registry=make_registry()).run())
    driver.start()
    scores, samples = out / "scores.jsonl", out / "samples.jsonl"
    wait_until(lambda: scores.exists() and scores.read_bytes().count(b"\n") > 0, what="a score made during the run")
    generated_by_then = samples.read_bytes().count(b"\n")
    driver.join(timeout=120)
    assert 0 < generated_by_then < 3 * 2 * 6 == len(read_jsonl(samples))


def test_a_scorer_killed_mid_run_costs_nothing_the_pass_after_the_run_scores_the_rest_once(tmp_path):
    data = write_manifest(tmp_path / "data", n=6)
    out = tmp_path / "run"
    cfg = config(out, data, True, model_options={"counting": {"sleep": "0.05"}})
    driver = threading.Thread(target=lambda: Runner(cfg, registry=make_registry()).run())
    driver.start()
    wait_until(lambda: (out / "scores.jsonl").exists() and scorers_of(out), what="the scorer to score")
    os.kill(scorers_of(out)[0], signal.SIGKILL)
    driver.join(timeout=120)
    assert len(read_jsonl(out / "samples.jsonl")) == 36
    score_run(out, METRICS)
    serial = tmp_path / "serial"
    Runner(config(serial, data, False), registry=make_registry()).run()
    score_run(serial, METRICS)
    assert set(score_lines(out).values()) == {1} and set(score_lines(out)) == set(score_lines(serial))
    assert summary(out) == summary(serial)
    assert_conforms(out)


DRIVER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from tests.helpers import make_registry
    from tests.test_overlap_scoring import config
    Runner = __import__("vfr_bench.run", fromlist=["Runner"]).Runner
    cfg = config(Path(sys.argv[1]), Path(sys.argv[2]), True, resume=sys.argv[3] == "1",
                 model_options={"counting": {"sleep": "0.05"}})
    Runner(cfg, registry=make_registry()).run()
""")


def test_a_killed_run_leaves_no_scorer_behind_and_a_resume_scores_each_sample_once(tmp_path):
    data = write_manifest(tmp_path / "data", n=6)
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, str(out), str(data), "0"], cwd=REPO, env=env)
    wait_until(lambda: (out / "scores.jsonl").exists() and bool(scorers_of(out)), what="the scorer to score")
    scorer = scorers_of(out)[0]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    wait_until(lambda: not alive(scorer), timeout=30, what="the dead run's scorer to end")
    resumed = subprocess.run([sys.executable, "-c", DRIVER, str(out), str(data), "1"], cwd=REPO, env=env)
    assert resumed.returncode == 0
    score_run(out, METRICS)
    lines = score_lines(out)
    assert set(lines.values()) == {1} and len({k[:4] for k in lines}) == 36
    assert_conforms(out)
