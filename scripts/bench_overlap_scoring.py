"""Scoring overlapped with generation vs after it: run wall time / the sum of the samples' t_total.

The `resynthesis` task (speech in, speech out) on the built-in read speech, scored with the ASR judge
(asr_wer), DNSMOS, PESQ and STOI: a task whose scoring costs about as much as its generation. Each
mode is the run `vfr-bench run` makes (run_grid, then score_grid), timed from the start of the run to
summary.csv, in this process (imports and the built-in speech's synthesis, cached, excluded). CPU is
the CPU time of this process and its children (the scorer, scoring pools); CPU / cores is the least
wall time any schedule of that work could take on this machine.

    python scripts/bench_overlap_scoring.py [--model training-free-dynamic] [--rates 12.5,6.25] [--limit N]
        [--metrics pesq_wb,stoi] [--asr-judge-batch 16]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from vfr_bench.api.evaluate import run_grid, score_grid
from vfr_bench.run.settings import JudgeChoice, RunSettings, resolve
from vfr_bench.run_dir import RunDirectory


def timed_run(out: Path, args: argparse.Namespace, overlap: bool) -> dict[str, float]:
    settings = RunSettings(
        models=[args.model], rates=args.rates, tasks="resynthesis", limit=args.limit, out=str(out),
        overlap_scoring=overlap, judges=JudgeChoice(asr_judge_batch=args.asr_judge_batch),
    )  # fmt: skip
    config = resolve(settings, ["bench_overlap_scoring"])
    if args.metrics:  # the task with fewer quality metrics (a task of its own: it is fingerprinted as such)
        config.tasks = [replace(t, metrics=tuple(args.metrics.split(","))) for t in config.tasks]
        if config.overlap_scoring is not None:
            config.overlap_scoring = replace(
                config.overlap_scoring, task_metrics={t.name: list(t.metrics) for t in config.tasks}
            )
    cpu_before = cpu_seconds()
    start = time.time()
    outcome = run_grid(config)
    returned = time.time()
    score_grid(outcome.run_dir, config, settings)
    end = time.time()
    cpu = cpu_seconds() - cpu_before
    run = RunDirectory(out)
    samples = run.samples()
    t_total = sum(r.timings.t_total or 0.0 for r in samples if r.timings)
    generated = run.samples_path.stat().st_mtime  # the last sample's append
    return {
        "samples": len(samples), "wall": end - start, "generation": generated - start, "after": end - generated,
        "after_run": end - returned, "t_total": t_total, "cpu": cpu,
    }  # fmt: skip


def cpu_seconds() -> float:
    """CPU time of this process and its children waited for (the scorer, scoring pools, probes)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="training-free-dynamic")
    parser.add_argument("--rates", default="12.5,6.25")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--metrics", help="quality metrics instead of the task's (e.g. pesq_wb,stoi)")
    parser.add_argument("--asr-judge-batch", type=int, default=0, help="1: one-clip decoding; more: batched")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = {mode: timed_run(Path(tmp) / mode, args, mode == "overlapped") for mode in ("serial", "overlapped")}
    decoding = f"batched, {args.asr_judge_batch} a batch" if args.asr_judge_batch > 1 else "one clip at a time"
    metrics = args.metrics or f"pesq_wb, stoi, asr_wer (tiny.en, {decoding}), dnsmos_ovrl"
    print(f"resynthesis, {args.model} at {args.rates} Hz; quality metrics {metrics}")
    cores = os.cpu_count() or 1
    print(
        "mode        samples  wall (s)  generation (s)  after the last sample (s)  sum t_total (s)  "
        f"wall / sum t_total  CPU (s)  CPU / {cores} cores (s)"
    )
    for mode, r in rows.items():
        print(
            f"{mode:<11} {r['samples']:>7} {r['wall']:>9.1f} {r['generation']:>15.1f} {r['after']:>26.1f} "
            f"{r['t_total']:>16.1f} {r['wall'] / r['t_total']:>19.2f} {r['cpu']:>8.1f} {r['cpu'] / cores:>19.1f}"
        )
    serial, overlapped = rows["serial"], rows["overlapped"]
    print(
        f"overlap: {serial['wall'] / overlapped['wall']:.2f}x less wall time; each sample's t_total "
        f"{overlapped['t_total'] / serial['t_total']:.2f}x (the scorer shares the cores)"
    )


if __name__ == "__main__":
    main()
