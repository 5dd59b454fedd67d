"""Pivot a run's summary.csv into condition x rate: achieved input Hz and WER (or CER) per cell.

    python scripts/robustness_table.py RUN_DIR [--metric wer] [--model training-free-dynamic]

Rows are tasks (one per noise condition or language), columns the requested rates.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vfr_bench.run_dir import RunDirectory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--metric", default="wer")
    parser.add_argument("--model")
    args = parser.parse_args()
    run = RunDirectory(args.run_dir)
    rows = [r for r in run.summary() if not args.model or r.model == args.model]
    cells: dict[tuple[str, str], dict[str, float]] = {}
    for r in rows:
        cells.setdefault((r.task, r.rate_spec), {})[r.metric] = r.value
    listed = list(run.manifest().tasks)  # grid order
    present = {r.task for r in rows}
    tasks = [t for t in listed if t in present] + sorted(present - set(listed))
    rates = sorted({r.rate_spec for r in rows}, key=lambda x: -float(x) if x != "native" else float("-inf"))
    print("| condition | " + " | ".join(f"{rate} Hz: achieved / {args.metric}" for rate in rates) + " |")
    print("| --- | " + " | ".join("---" for _ in rates) + " |")
    for task in tasks:
        line = []
        for rate in rates:
            m = cells.get((task, rate), {})
            hz, value = m.get("achieved_input_hz"), m.get(args.metric)
            line.append("-" if hz is None or value is None else f"{hz:.2f} / {value:.3f}")
        print(f"| {task} | " + " | ".join(line) + " |")


if __name__ == "__main__":
    main()
