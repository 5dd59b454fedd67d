"""Scoring overlapped with generation, for every executor: while a run generates, a scoring process
beside it (vfr_bench/scoring/overlap_worker.py) scores each finished sample, so that the end of
generation is nearly the end of the run. The pass after the run (`score_run`, as `vfr-bench score`)
then scores what is left (the last few samples, failed scores, anything the process left to it),
rebuilds summary.csv from scores.jsonl and records the judges, exactly as before.

The process is a fresh interpreter (not a fork of a process that may hold a Ray driver, threads or a
GPU context, nor `multiprocessing`'s spawn, which re-runs a script that calls `evaluate()` unguarded),
so it needs only the run directory: it works the same beside a local run and a Ray run.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from vfr_bench.metrics.judge_settings import JudgeSettings

log = logging.getLogger(__name__)
LOG_TAIL = 800
# without the working directory on sys.path (as `python -c` would put it first), as the model worker
# starts: a folder named like a package there must not shadow the installed one
BOOT = (
    "import sys; sys.path[:] = [p for p in sys.path if p not in ('', '.')]; "
    "from vfr_bench.scoring.overlap_worker import main; main()"
)


@dataclass(frozen=True)
class ScoringPlan:
    """What scoring overlapped with generation scores (the same as the pass after the run)."""

    task_metrics: dict[str, list[str]]
    judges: JudgeSettings


class OverlapScorer:
    """The scoring process's life, as a context around the executor: started on entry; on a clean exit
    told to finish what is left and waited for; on an exception (the run failed) stopped at once."""

    def __init__(self, run_dir: Path, shard: tuple[int, int], plan: ScoringPlan):
        self.args = json.dumps(
            {
                "run_dir": str(Path(run_dir).resolve()),
                "shard": f"{shard[0]}/{shard[1]}",
                "task_metrics": plan.task_metrics,
                "judges": plan.judges.to_json(),
            }
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.log = tempfile.TemporaryFile()

    def __enter__(self) -> OverlapScorer:
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", BOOT, self.args], stdin=subprocess.PIPE, stdout=self.log, stderr=self.log
            )
        except OSError as err:  # the pass after the run scores everything, as it did before
            log.warning("scoring alongside the run could not start (%s); scoring after it", err)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        process = self.process
        if process is None:
            return
        assert process.stdin is not None
        try:
            if kind is None:
                process.stdin.write(b"stop\n")
            process.stdin.close()
        except OSError:  # it ended already; its exit code says how
            pass
        if kind is not None:
            process.kill()
        code = process.wait()
        if kind is None and code != 0:
            self.log.seek(0)
            tail = self.log.read().decode(errors="replace")[-LOG_TAIL:]
            log.warning("scoring alongside the run stopped (exit %s); the rest is scored after it: %s", code, tail)
        self.log.close()
