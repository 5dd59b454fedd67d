"""The training-free models' time per second of audio at each rate, through the runner itself.

    python scripts/bench_training_free.py [--models training-free-dynamic,training-free-uniform]
                                          [--rates 25,12.5,6.25,5,4] [--limit 24] [--tasks asr,rate-fidelity]

Prints, per (model, task, rate): t_total per second of input audio (sum over samples), t_ar per
second (decoder only, asr), and the achieved input Hz. Warm-up: one unrecorded request per cell.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import defaultdict
from pathlib import Path

from vfr_bench.jsonl import read_jsonl
from vfr_bench.rates import parse_rate_specs
from vfr_bench.run import RunConfig, Runner
from vfr_bench.task_files import all_tasks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="training-free-dynamic,training-free-uniform")
    parser.add_argument("--rates", default="25,12.5,6.25,5,4")
    parser.add_argument("--tasks", default="asr,rate-fidelity")
    parser.add_argument("--limit", type=int, default=24)
    args = parser.parse_args()
    tasks = all_tasks()
    with tempfile.TemporaryDirectory() as tmp:
        config = RunConfig(
            models=args.models.split(","),
            rate_specs=parse_rate_specs(args.rates),
            tasks=[tasks[t] for t in args.tasks.split(",")],
            out=Path(tmp) / "run",
            limit=args.limit,
        )
        Runner(config).run()
        records = [r for r in read_jsonl(Path(tmp) / "run" / "samples.jsonl") if r["status"] == "ok"]
    sums: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in records:
        s = sums[(r["model"], r["task"], r["rate_spec"])]
        s["n"] += 1
        s["audio"] += r["input_seconds"]
        s["t_total"] += r["timings"]["t_total"]
        if r["timings"]["t_ar"] is not None:
            s["t_ar"] += r["timings"]["t_ar"]
            s["n_ar"] += 1
        s["hz"] += r["achieved_input_hz"]
    print(
        f"{'model':<20} {'task':<14} {'rate':>6} {'n':>4} {'audio s':>8} {'t_total/s':>10} {'t_ar/s':>8} {'in Hz':>7}"
    )
    for (model, task, spec), s in sums.items():
        print(
            f"{model:<20} {task:<14} {spec:>6} {int(s['n']):>4} {s['audio']:>8.1f} {s['t_total'] / s['audio']:>10.4f} "
            f"{(f'{s_ar:.4f}' if (s_ar := s['t_ar'] / s['audio']) and s['n_ar'] else '-'):>8} {s['hz'] / s['n']:>7.2f}"
        )


if __name__ == "__main__":
    main()
