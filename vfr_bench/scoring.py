"""Scoring pass: samples.jsonl -> scores.jsonl (appended, resumable) -> summary.csv (derived).

A (sample, metric) pair already in scores.jsonl is never computed again, so re-scoring after a
resumed run only does the new samples, and summary.csv is always rebuilt from scores.jsonl.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import math
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from vfr_bench.metrics import ALWAYS_METRICS, Metric, MetricUnavailable, get_metric, metrics_for_task
from vfr_bench.metrics.context import JudgeSettings, ScoringContext
from vfr_bench.run_dir import (
    MANIFEST,
    SAMPLES,
    SCORES,
    SUMMARY,
    RunDirectory,
    append_jsonl,
    read_jsonl,
    write_json_atomic,
    write_text_atomic,
)

SUMMARY_COLUMNS = [
    "model",
    "task",
    "rate_spec",
    "requested_input_hz",
    "requested_output_hz",
    "metric",
    "value",
    "ci_low",
    "ci_high",
    "n",
    "aggregation",
    "higher_is_better",
    "unit",
]
BOOTSTRAP_RESAMPLES = 1000
CONFIDENCE = 0.95


def _cell(record: dict) -> tuple:
    return (
        record["model"],
        record["task"],
        record["rate_spec"],
        record["requested_input_hz"],
        record["requested_output_hz"],
    )


class ScoringError(RuntimeError):
    """Some metrics could not run at all (missing package or weights); the others were scored."""


def score_run(
    run_dir: Path,
    task_metrics: dict[str, list[str]],
    seed: int = 0,
    judges: JudgeSettings | None = None,
    only: list[str] | None = None,
    rescore: list[str] = (),
    judge_ceiling: bool = False,
    progress: Callable[[str], None] = lambda _: None,
) -> list[dict]:
    """Score every ok sample not yet scored, one metric at a time; append to scores.jsonl; rebuild summary.csv.

    `task_metrics` maps a task name to its quality metrics (rate and latency always apply); `only`
    scores just the named metrics, on every task where they apply; `rescore` drops a metric's
    earlier scores first. A metric that cannot run here is reported in a ScoringError raised after
    the others are scored and the summary written. Returns the summary rows.
    """
    run_dir = Path(run_dir)
    with _scoring_lock(run_dir):
        return _score_locked(
            run_dir, task_metrics, seed, judges or JudgeSettings(), only, list(rescore), judge_ceiling, progress
        )


@contextmanager
def _scoring_lock(run_dir: Path) -> Iterator[None]:
    """Shards finishing together must not score the same samples twice."""
    fd = os.open(run_dir / ".lock-scoring", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _plan(samples: list[dict], task_metrics: dict[str, list[str]], only: list[str] | None) -> dict[str, list[dict]]:
    """metric name -> the ok samples it applies to, metrics in a stable order."""
    plan: dict[str, list[dict]] = {}
    for record in samples:
        names = only if only is not None else [m.name for m in metrics_for_task(task_metrics.get(record["task"], []))]
        for name in names:
            plan.setdefault(name, []).append(record)
    return plan


def _score_key(record: dict, name: str) -> tuple:
    return (record["model"], record["rate_spec"], record["task"], record["sample_id"], name)


def _score_record(record: dict, metric: Metric, ctx: ScoringContext) -> dict | None:
    base = {
        "model": record["model"],
        "rate_spec": record["rate_spec"],
        "task": record["task"],
        "sample_id": record["sample_id"],
        "requested_input_hz": record["requested_input_hz"],
        "requested_output_hz": record["requested_output_hz"],
        "metric": metric.name,
        "metric_version": metric.version,
    }
    try:
        score = metric.compute(record, ctx)
    except MetricUnavailable:
        raise
    except Exception as err:  # one sample's metric failure is recorded; the others go on
        return {**base, "value": None, "error": f"{type(err).__name__}: {err}"}
    if score is None:
        return None
    if not math.isfinite(score.value):  # e.g. SI-SDR of a silent output: a failure, not a number to average
        return {**base, "value": None, "error": f"non-finite value {score.value}"}
    return {
        **base,
        "value": score.value,
        "numerator": score.numerator,
        "denominator": score.denominator,
        **({"detail": score.detail} if score.detail else {}),
    }


def _score_in_worker(args: tuple) -> dict | None:
    """Process-pool entry: look the metric up by name (functions do not travel), score one sample."""
    name, record, run_dir, judges = args
    return _score_record(record, get_metric(name), ScoringContext(Path(run_dir), judges))


def _drop_scores(run_dir: Path, names: list[str]) -> None:
    if not names or not (run_dir / SCORES).is_file():
        return
    kept = [s for s in read_jsonl(run_dir / SCORES) if s["metric"] not in names]
    write_text_atomic(run_dir / SCORES, "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in kept))


def _score_locked(
    run_dir: Path,
    task_metrics: dict[str, list[str]],
    seed: int,
    judges: JudgeSettings,
    only: list[str] | None,
    rescore: list[str],
    judge_ceiling: bool,
    progress: Callable[[str], None],
) -> list[dict]:
    for name in (only or []) + rescore:
        get_metric(name)  # an unknown name fails before any work
    _drop_scores(run_dir, rescore)
    samples = [r for r in read_jsonl(run_dir / SAMPLES) if r.get("status") == "ok"]
    done = {_score_key(s, s["metric"]) for s in read_jsonl(run_dir / SCORES)}
    ctx = ScoringContext(run_dir, judges)
    unavailable: list[str] = []
    used: list[Metric] = []
    for name, records in _plan(samples, task_metrics, only).items():
        metric = get_metric(name)
        todo = [r for r in records if _score_key(r, name) not in done]
        used.append(metric)
        if not todo:
            continue
        try:
            if metric.check:
                metric.check(ctx)
            started = time.perf_counter()
            if metric.parallel and len(todo) > 1 and _workers(judges) > 1:
                with ProcessPoolExecutor(max_workers=_workers(judges)) as pool:
                    results = list(
                        pool.map(
                            _score_in_worker,
                            [(name, r, str(run_dir), judges) for r in todo],
                            chunksize=max(1, len(todo) // (4 * _workers(judges))),
                        )
                    )
            else:
                results = [_score_record(r, metric, ctx) for r in todo]
            append_jsonl(run_dir / SCORES, [r for r in results if r is not None])
            if metric not in ALWAYS_METRICS:  # rate and latency metrics are instant: no line each
                scored = sum(r is not None for r in results)
                progress(f"{name}: {scored} of {len(todo)} samples in {time.perf_counter() - started:.1f} s")
        except MetricUnavailable as err:
            unavailable.append(f"{name}: {err}")
        finally:
            ctx.release()  # one judge in memory at a time
    if judge_ceiling:
        from vfr_bench.metrics.ceiling import add_ceiling

        progress(f"judge ceiling: {add_ceiling(ctx)} QA samples spoken, transcribed and scored")
    rows = summarise(read_jsonl(run_dir / SCORES), seed=seed)
    write_summary(run_dir / SUMMARY, rows)
    _record_scoring(run_dir, used, ctx)
    if unavailable:
        raise ScoringError("; ".join(unavailable))
    return rows


def _workers(judges: JudgeSettings) -> int:
    return judges.workers or os.cpu_count() or 1


def _record_scoring(run_dir: Path, metrics: list[Metric], ctx: ScoringContext) -> None:
    """The judges and metric versions that made scores.jsonl, in the manifest (under the manifest
    lock: shards may be updating it too)."""
    path = run_dir / MANIFEST
    if not path.is_file():
        return
    with RunDirectory(run_dir).manifest_lock():
        manifest = json.loads(path.read_text(encoding="utf-8"))
        described = manifest.get("metrics", {})
        for m in metrics:
            try:
                described[m.name] = m.describe(ctx)
            except Exception as err:  # provenance of an unavailable metric: say so rather than fail the run
                described[m.name] = {"name": m.name, "version": m.version, "provenance_error": str(err)}
        manifest["metrics"] = described
        manifest["judges"] = {**manifest.get("judges", {}), **ctx.judges.to_json(), **ctx.judge_info}
        write_json_atomic(path, manifest)


def summarise(scores: list[dict], seed: int = 0) -> list[dict]:
    """One row per (model, task, rate spec, metric): the aggregate and a bootstrap CI."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for s in scores:
        if s.get("value") is None:  # a metric that failed on this sample: in scores.jsonl with its error
            continue
        groups[(*_cell(s), s["metric"])].append(s)
    rows = []
    for (model, task, spec, req_in, req_out, name), items in sorted(groups.items(), key=lambda kv: _sort_key(kv[0])):
        metric = get_metric(name)
        values = np.array([i["value"] for i in items], dtype=float)
        num = np.array([i.get("numerator") or 0.0 for i in items], dtype=float)
        den = np.array([i.get("denominator") or 0.0 for i in items], dtype=float)
        value = aggregate(metric, values, num, den)
        if value is None:
            continue
        low, high = bootstrap_ci(metric, values, num, den, seed=seed)
        rows.append(
            {
                "model": model,
                "task": task,
                "rate_spec": spec,
                "requested_input_hz": req_in,
                "requested_output_hz": req_out,
                "metric": name,
                "value": value,
                "ci_low": low,
                "ci_high": high,
                "n": len(items),
                "aggregation": metric.aggregation,
                "higher_is_better": metric.higher_is_better,
                "unit": metric.unit,
            }
        )
    return rows


def _sort_key(key: tuple) -> tuple:
    model, task, spec, req_in, req_out, name = key
    return (model, task, -(req_in or 1e9), -(req_out or 1e9), spec, name)


def aggregate(metric: Metric, values: np.ndarray, num: np.ndarray, den: np.ndarray) -> float | None:
    if len(values) == 0:
        return None
    if metric.aggregation == "corpus":
        total = den.sum()
        return float(num.sum() / total) if total > 0 else None
    if metric.aggregation == "mean":
        return float(values.mean())
    return float(np.percentile(values, float(metric.aggregation[1:])))


def resampled_aggregates(
    metric: Metric, values: np.ndarray, num: np.ndarray, den: np.ndarray, idx: np.ndarray
) -> np.ndarray:
    """The metric's aggregate on each row of resample indices `idx` [resamples, n] (NaN where undefined)."""
    if metric.aggregation == "corpus":
        totals = den[idx].sum(axis=1)
        return np.where(totals > 0, num[idx].sum(axis=1) / np.maximum(totals, 1e-12), np.nan)
    if metric.aggregation == "mean":
        return values[idx].mean(axis=1)
    return np.percentile(values[idx], float(metric.aggregation[1:]), axis=1)


def bootstrap_ci(
    metric: Metric,
    values: np.ndarray,
    num: np.ndarray,
    den: np.ndarray,
    seed: int = 0,
    resamples: int = BOOTSTRAP_RESAMPLES,
    confidence: float = CONFIDENCE,
) -> tuple[float | None, float | None]:
    """Percentile bootstrap over samples (for WER: resample utterances, then total / total)."""
    n = len(values)
    if n < 2:
        return None, None
    idx = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    stats = resampled_aggregates(metric, values, num, den, idx)
    stats = stats[np.isfinite(stats)]
    if len(stats) == 0:
        return None, None
    alpha = (1 - confidence) / 2
    return float(np.quantile(stats, alpha)), float(np.quantile(stats, 1 - alpha))


def write_summary(path: Path, rows: list[dict]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in SUMMARY_COLUMNS})
    write_text_atomic(path, buffer.getvalue())


def task_metrics_from_manifest(run_dir: Path) -> dict[str, list[str]]:
    manifest = json.loads((Path(run_dir) / MANIFEST).read_text(encoding="utf-8"))
    return {name: list(t.get("metrics", [])) for name, t in manifest.get("tasks", {}).items()}
