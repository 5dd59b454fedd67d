"""The scoring process that runs beside a run (started by vfr_bench.scoring.overlap, not by hand).

It reads samples.jsonl as the run appends it and scores each batch of new ok samples of its shard,
metric by metric, with the metrics and judges the pass after the run would use, appending to
scores.jsonl under the scoring lock. Under that lock it first reads what scores.jsonl gained since
(another shard's scorer, a `vfr-bench score`) and skips every (sample, metric) that has a score of
any kind: it never scores anything twice, and what it leaves (a failed score, another version's, a
metric that cannot run here, a judge other than the recorded one) is the pass after the run's to
do and to report, as `vfr-bench score` always has. It never writes summary.csv.

Its stdin is the run's: "stop" means the run has ended (score what is left, then exit); the end of
the file without it means the run died (exit at once).
"""

from __future__ import annotations

import json
import logging
import os
import select
import sys
from pathlib import Path
from typing import Any

from vfr_bench.jsonl_tail import JsonlTail
from vfr_bench.metrics import MetricUnavailable, get_metric, metrics_for_task
from vfr_bench.metrics.context import ScoringContext
from vfr_bench.metrics.judge_settings import JudgeSettings
from vfr_bench.records import SampleRecord, ScoreRecord
from vfr_bench.registry import UnknownName
from vfr_bench.run_dir import RunDirectory
from vfr_bench.scoring.score import JudgeChanged, check_judges, plan_metrics, score_in_batches

log = logging.getLogger(__name__)
POLL_S = 0.2
NICE = 10  # below the run in the CPU's queue: on a shared CPU, t_total stays the model's time, not the scorer's


class OverlapScoring:
    def __init__(self, run_dir: Path, shard: str, task_metrics: dict[str, list[str]], judges: JudgeSettings):
        self.run = RunDirectory(run_dir)
        self.shard = shard
        self.task_metrics = task_metrics
        self.ctx = ScoringContext(self.run.path, judges)  # judges stay loaded between batches
        self.samples = JsonlTail(self.run.samples_path)
        self.scores = JsonlTail(self.run.scores_path)
        self.scored: set[tuple[str | int, ...]] = set()  # (sample key, metric) with a score of any kind
        self.left: set[str] = set()  # metrics left to the pass after the run
        self.checked: set[str] = set()
        self.made = 0

    def start(self) -> None:
        """Leave every metric to the pass after the run where a judge differs from the recorded one:
        that pass refuses to mix them, and scores nothing."""
        names = {m.name for metrics in self.task_metrics.values() for m in metrics_for_task(metrics)}
        try:
            check_judges(self.run, self.ctx, {name: [] for name in names}, [])
        except JudgeChanged as err:
            log.info("scoring alongside the run is off: %s", err)
            self.left |= names

    def new_samples(self) -> list[SampleRecord]:
        """The ok samples of this shard appended since the last look."""
        lines, _ = self.samples.read()  # samples.jsonl is only ever appended to
        records = [SampleRecord.model_validate_json(line) for line in lines]
        return [r for r in records if r.ok and r.shard == self.shard]

    def score(self, batch: list[SampleRecord]) -> None:
        with self.run.scoring_lock():
            self._refresh()
            for name, records in plan_metrics(batch, self.task_metrics, None).items():
                if name in self.left:
                    continue
                todo = [r for r in records if (*r.key, name) not in self.scored]
                if todo:
                    made = self._score_metric(name, todo)
                    self.run.append_scores(made)
                    self.scored.update(s.key for s in made)
                    self.made += len(made)

    def _score_metric(self, name: str, todo: list[SampleRecord]) -> list[ScoreRecord]:
        try:
            metric = get_metric(name)
            if name not in self.checked and metric.check:
                metric.check(self.ctx)
            self.checked.add(name)
            return [s for s in score_in_batches(todo, metric, self.ctx) if s is not None]
        except (MetricUnavailable, UnknownName) as err:
            log.info("%s is left to the pass after the run: %s", name, err)
            self.left.add(name)
            return []

    def _refresh(self) -> None:
        lines, restarted = self.scores.read()
        if restarted:
            self.scored.clear()
        self.scored.update(ScoreRecord.model_validate_json(line).key for line in lines)

    def serve(self, control: int) -> None:
        """Score what arrives until the run says stop (then what is left) or dies (then nothing)."""
        self.start()
        while True:
            said = _said(control, POLL_S)
            if said == "died":
                return
            batch = self.new_samples()
            if batch:
                self.score(batch)
            if said == "stop":
                while batch := self.new_samples():
                    self.score(batch)
                return


def _said(fd: int, timeout: float) -> str | None:
    """Whether the run said "stop", "died" (its end of the pipe closed without a word), or None (nothing yet)."""
    if not select.select([fd], [], [], timeout)[0]:
        return None
    data = os.read(fd, 64)
    return "stop" if data.startswith(b"stop") else "died"


def main(argv: list[str] | None = None) -> None:
    args: dict[str, Any] = json.loads((argv or sys.argv[1:])[0])
    os.nice(NICE)  # the model's requests come first: their times are measurements
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    scoring = OverlapScoring(
        Path(args["run_dir"]), args["shard"], args["task_metrics"], JudgeSettings(**args["judges"])
    )
    scoring.serve(sys.stdin.fileno())
    log.info("scored %d (sample, metric) pairs alongside the run", scoring.made)


if __name__ == "__main__":
    main()
