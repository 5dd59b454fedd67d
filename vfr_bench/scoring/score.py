"""The scoring pass: every ok sample not yet scored, one metric at a time, appended to scores.jsonl;
then summary.csv is rebuilt from scores.jsonl.

A (sample, metric) pair already in scores.jsonl is never computed again, so re-scoring after a
resumed run only does the new samples. A metric runs only on the samples that have what it
requires. One judge is in memory at a time; CPU-bound metrics are spread over processes.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from vfr_bench.io_errors import error_text
from vfr_bench.metrics import Metric, MetricUnavailable, get_metric, metrics_for_task
from vfr_bench.metrics.context import PREFETCH_BATCHES, ScoringContext
from vfr_bench.metrics.judge_settings import BATCHED, GPU_BATCH, JudgeSettings
from vfr_bench.progress import SILENT, Progress
from vfr_bench.records import Manifest, SampleKey, SampleRecord, ScoreRecord, SummaryRow
from vfr_bench.run_dir import RunDirectory
from vfr_bench.scoring.summary import summarise

log = logging.getLogger(__name__)


class ScoringError(RuntimeError):
    """Some metrics could not run at all (missing package or weights); the others were scored."""


class JudgeChanged(ScoringError):
    """Scores of a metric exist from another judge: mixing them would compare two judges (nothing scored)."""


def score_run(
    run_dir: Path | str,
    task_metrics: dict[str, list[str]],
    seed: int = 0,
    judges: JudgeSettings | None = None,
    only: list[str] | None = None,
    rescore: list[str] | tuple[str, ...] = (),
    judge_ceiling: bool = False,
    progress: Progress = SILENT,
) -> list[SummaryRow]:
    """Score, append to scores.jsonl, rebuild summary.csv; returns the summary rows.

    `task_metrics` maps a task name to its quality metrics (rate and latency always apply); `only`
    scores just the named metrics, on every task where they apply; `rescore` drops a metric's
    earlier scores first. A metric that cannot run here is reported in a ScoringError raised after
    the others are scored and the summary written. An unknown metric name raises UnknownName
    before any work.
    """
    run = RunDirectory(run_dir)
    for name in [*(only or []), *rescore]:
        get_metric(name)
    with run.scoring_lock():
        ctx = ScoringContext(run.path, judges or JudgeSettings())
        samples = run.samples()
        plan = plan_metrics(samples, task_metrics, only)
        check_judges(run, ctx, plan, list(rescore))
        # the manifest names the judges before their first score is written: a pass interrupted after
        # that (an interrupted --rescore) never leaves it describing the judge whose scores it dropped
        _record_scoring(run, [get_metric(name) for name in plan], ctx)
        run.drop_scores(list(rescore))
        _drop_other_versions(run, plan, {r.key for r in samples})
        used, unavailable = _score_metrics(run, ctx, plan, progress)
        if judge_ceiling:
            from vfr_bench.scoring.ceiling import add_ceiling

            log.info("judge ceiling: %d QA samples spoken, transcribed and scored", add_ceiling(ctx))
        rows = summarise(run.scores(), seed=seed)
        run.write_summary(rows)
        _record_scoring(run, used, ctx)
    if unavailable:
        raise ScoringError("; ".join(unavailable))
    return rows


def plan_metrics(
    samples: list[SampleRecord], task_metrics: dict[str, list[str]], only: list[str] | None
) -> dict[str, list[SampleRecord]]:
    """metric name -> the ok samples it applies to, metrics in a stable order."""
    plan: dict[str, list[SampleRecord]] = {}
    for record in samples:
        if not record.ok:
            continue
        names = only if only is not None else [m.name for m in metrics_for_task(task_metrics.get(record.task, []))]
        for name in names:
            plan.setdefault(name, [])
            if get_metric(name).applies_to(record):
                plan[name].append(record)
    return plan


def check_judges(
    run: RunDirectory, ctx: ScoringContext, plan: dict[str, list[SampleRecord]], rescore: list[str]
) -> None:
    """Refuse to add scores from another judge than the metric's recorded scores were made with."""
    recorded: dict[str, set[str]] = {}
    for score in run.scores():
        if score.error is None:
            recorded.setdefault(score.metric, set()).add(score.judge or "an unrecorded judge")
    problems = []
    for name in plan:
        metric = get_metric(name)
        if not metric.judges or name in rescore or name not in recorded:
            continue
        try:
            now = ctx.judge_of(metric)
        except MetricUnavailable:
            continue  # reported when the metric runs
        if recorded[name] - {now}:
            problems.append(f"{name} was scored with {', '.join(sorted(recorded[name]))}, this pass would use {now}")
    if problems:
        names = ",".join(p.split(" ", 1)[0] for p in problems)
        hint = _decoding_hint(set().union(*recorded.values()), ctx.judges.asr_judge_id)
        raise JudgeChanged("; ".join(problems) + f". Score again with the new judge: --rescore {names}{hint}")


def _decoding_hint(recorded: set[str], now: str) -> str:
    """Where the judges differ only in the batched decoding, how to keep the recorded one."""
    if any(BATCHED in r for r in recorded) and BATCHED not in now:
        return f" (or keep the batched decoding: --asr-judge-batch {GPU_BATCH})"
    if BATCHED in now and any(BATCHED not in r for r in recorded):
        return " (or keep Whisper's one-clip decoding: --asr-judge-batch 1)"
    return ""


def _drop_other_versions(run: RunDirectory, plan: dict[str, list[SampleRecord]], samples: set[SampleKey]) -> None:
    """Drop the scores of this run's samples that another version of their metric made (a new recipe,
    say), so that this version scores those samples again and a run never aggregates, or records in
    its manifest, one version over scores of another. Scores of no sample in samples.jsonl (the judge
    ceiling's, which version themselves) are left alone."""
    versions = {name: get_metric(name).version for name in plan}

    def made_otherwise(score: ScoreRecord) -> bool:
        other_version = score.metric in versions and score.metric_version != versions[score.metric]
        return other_version and score.sample_key in samples

    stale = Counter(f"{s.metric} v{s.metric_version}" for s in run.scores() if made_otherwise(s))
    if stale:
        log.info("scoring again what other metric versions made: %s", ", ".join(f"{k} ({n})" for k, n in stale.items()))
        run.drop_scores_where(made_otherwise)


def _score_metrics(
    run: RunDirectory, ctx: ScoringContext, plan: dict[str, list[SampleRecord]], progress: Progress
) -> tuple[list[Metric], list[str]]:
    done = {s.key for s in run.scores() if s.error is None}  # a failed score is tried again
    used: list[Metric] = []
    unavailable: list[str] = []
    for name, records in plan.items():
        metric = get_metric(name)
        used.append(metric)
        todo = [r for r in records if (*r.key, name) not in done]
        if not todo:
            continue
        shown = progress if metric.kind == "quality" else SILENT  # rate and latency metrics are instant
        try:
            if metric.check:
                metric.check(ctx)
            run.append_scores(_score_all(metric, todo, ctx, shown))
        except MetricUnavailable as err:
            unavailable.append(f"{name}: {err}")
        finally:
            ctx.release()  # one judge in memory at a time
    return used, unavailable


def _score_all(metric: Metric, todo: list[SampleRecord], ctx: ScoringContext, progress: Progress) -> list[ScoreRecord]:
    started = time.perf_counter()
    progress.start(metric.name, f"scoring {metric.name}", len(todo))
    counts: Counter[str] = Counter()
    out: list[ScoreRecord] = []
    with ExitStack() as stack:
        workers = ctx.judges.workers or os.cpu_count() or 1
        if metric.parallel and len(todo) > 1 and workers > 1:
            pool = stack.enter_context(ProcessPoolExecutor(max_workers=workers))
            jobs = [(metric.name, r, str(ctx.run_dir), ctx.judges) for r in todo]
            results = pool.map(_score_in_worker, jobs, chunksize=max(1, len(todo) // (4 * workers)))
        else:
            results = score_in_batches(todo, metric, ctx)
        for score in results:
            status = "not applicable" if score is None else ("error" if score.error else "ok")
            counts[status] += 1
            progress.advance(metric.name, status)
            if score is not None:
                out.append(score)
    log.debug("%s: %d samples in %.1f s", metric.name, len(todo), time.perf_counter() - started)
    progress.finish(metric.name, counts)
    return out


def score_in_batches(todo: list[SampleRecord], metric: Metric, ctx: ScoringContext) -> Iterator[ScoreRecord | None]:
    """Each sample's score, in order; a batching ASR judge transcribes a group's speech in batches first."""
    group = ctx.judges.asr_batch_size * PREFETCH_BATCHES if "asr" in metric.judges else max(1, len(todo))
    for start in range(0, len(todo), group):
        if "asr" in metric.judges:
            ctx.prefetch_transcripts(todo[start : start + group])
        yield from (score_sample(r, metric, ctx) for r in todo[start : start + group])


def score_sample(record: SampleRecord, metric: Metric, ctx: ScoringContext) -> ScoreRecord | None:
    """One sample's score; a failure is recorded as that score's error, never as a value."""
    try:
        score = metric.compute(record, ctx)
    except MetricUnavailable:
        raise
    except Exception as err:  # one sample's metric failure is recorded; the others go on
        message = error_text(err)
        return ScoreRecord.for_sample(
            record, metric.name, metric.version, error=message, judge=_judge_or_none(ctx, metric)
        )
    if score is None:
        return None
    judge = ctx.judge_of(metric)
    if not math.isfinite(score.value):  # e.g. SI-SDR of a silent output: a failure, not a number to average
        return ScoreRecord.for_sample(
            record, metric.name, metric.version, error=f"non-finite value {score.value}", judge=judge
        )
    return ScoreRecord.for_sample(
        record, metric.name, metric.version, value=score.value, numerator=score.numerator,
        denominator=score.denominator, detail=score.detail or None, judge=judge,
    )  # fmt: skip


def _score_in_worker(job: tuple[str, SampleRecord, str, JudgeSettings]) -> ScoreRecord | None:
    """Process-pool entry: look the metric up by name (functions do not travel), score one sample."""
    name, record, run_dir, judges = job
    return score_sample(record, get_metric(name), ScoringContext(Path(run_dir), judges))


def _record_scoring(run: RunDirectory, metrics: list[Metric], ctx: ScoringContext) -> None:
    """The judges and metric versions that made scores.jsonl, in the manifest."""
    if run.read_manifest() is None:
        return

    def change(manifest: Manifest | None) -> Manifest:
        assert manifest is not None
        described = dict(manifest.metrics)
        for m in metrics:
            try:
                described[m.name] = m.describe(ctx)
            except Exception as err:  # provenance of an unavailable metric: say so rather than fail the run
                described[m.name] = {"name": m.name, "version": m.version, "provenance_error": str(err)}
        judges = {**manifest.judges, **_settings_used(ctx, metrics, manifest.judges), **ctx.judge_info}
        return manifest.model_copy(update={"metrics": described, "judges": judges})

    run.update_manifest(change)


def _settings_used(ctx: ScoringContext, metrics: list[Metric], recorded: dict) -> dict:
    """The judge settings this pass scored with: an ASR or LLM judge's settings only where a metric of
    the pass calls it (a `--only rate` pass with other judge options leaves the recorded ones alone)."""
    kinds = {kind for m in metrics for kind in m.judges}
    settings = ctx.judges.to_json()
    return {k: v for k, v in settings.items() if k.split("_")[0] in kinds or k not in recorded}


def _judge_or_none(ctx: ScoringContext, metric: Metric) -> str | None:
    try:
        return ctx.judge_of(metric)
    except MetricUnavailable:
        return None
