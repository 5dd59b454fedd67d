"""How fast `vfr_bench.load` reads a large run into pandas: 100,000 sample lines (and a WER score for
each) by default. Target: under 2 s on a 2-core machine.

    python scripts/bench_load.py [--samples 100000] [--repeats 3]

The run is synthetic (records as the runner writes them, scores as the scorer writes them, a summary
from the real summariser); the timing is `load()` alone, from files to DataFrames, best of N.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

import vfr_bench
from vfr_bench.records import ScoreRecord
from vfr_bench.run_dir import RunDirectory
from vfr_bench.scoring.summary import summarise

MODELS = ("flexislm-7b", "qwen2.5-omni-7b")
RATES = (12.5, 6.25, 5.0, 4.0)


def write_run(path: Path, n: int, rng: np.random.Generator) -> None:
    path.mkdir(parents=True)
    per_cell = n // (len(MODELS) * len(RATES))
    samples, scores = [], []
    for model in MODELS:
        for hz in RATES:
            for i in range(per_cell):
                achieved = hz * (1 + 0.03 * rng.standard_normal())
                key = {"model": model, "rate_spec": f"{hz:g}", "task": "librispeech-test-clean", "sample_id": f"u{i}"}
                samples.append({
                    **key, "status": "ok", "requested_input_hz": hz, "requested_output_hz": hz,
                    "achieved_input_hz": achieved, "achieved_output_hz": None, "input_rate_error": achieved / hz - 1,
                    "output_rate_error": None, "input_seconds": 7.4, "output_seconds": None,
                    "text": "he hoped there would be stew for dinner turnips and carrots", "language": "en",
                    "reference": {"text": "he hoped there would be stew for dinner turnips and carrots and bruised"},
                    "timings": {"t_total": 0.05 * hz, "t_first_token": None, "t_first_audio": None, "t_ar": 0.02 * hz},
                })  # fmt: skip
                edits = int(rng.integers(0, 4))
                scores.append(
                    ScoreRecord(
                        **key, requested_input_hz=hz, requested_output_hz=hz, metric="wer", metric_version="1",
                        value=edits / 13, numerator=edits, denominator=13,
                    )
                )  # fmt: skip
    (path / "samples.jsonl").write_text("".join(json.dumps(s) + "\n" for s in samples))
    (path / "scores.jsonl").write_text("".join(s.to_json() + "\n" for s in scores))
    task = {"version": 1, "metrics": ["wer"], "dataset": {"name": "synthetic"}}
    manifest = {"argv": ["bench"], "models": {m: {} for m in MODELS}, "tasks": {"librispeech-test-clean": task}}
    (path / "manifest.json").write_text(json.dumps(manifest))
    RunDirectory(path).write_summary(summarise(scores))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        write_run(run, args.samples, np.random.default_rng(0))
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            results = vfr_bench.load(run)
            times.append(time.perf_counter() - start)
        print(
            f"load(): {len(results.samples):,} samples, {len(results.scores):,} scores, {len(results.summary)} "
            f"summary rows in {min(times):.2f} s (best of {args.repeats}; all: {', '.join(f'{t:.2f}' for t in times)})"
        )


if __name__ == "__main__":
    main()
