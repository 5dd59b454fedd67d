"""Pivot a run's summary.csv into condition x rate: achieved input Hz and WER (or CER) per cell.

    python scripts/robustness_table.py RUN_DIR [--metric wer] [--model reference-dynamic]

Rows are tasks (one per noise condition or language), columns the requested rates.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--metric", default="wer")
    parser.add_argument("--model")
    args = parser.parse_args()
    with open(args.run_dir / "summary.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if not args.model or r["model"] == args.model]
    cells: dict[tuple[str, str], dict[str, str]] = {}
    for r in rows:
        cells.setdefault((r["task"], r["rate_spec"]), {})[r["metric"]] = r["value"]
    listed = json.loads((args.run_dir / "manifest.json").read_text()).get("tasks", {})  # grid order
    present = {r["task"] for r in rows}
    tasks = [t for t in listed if t in present] + sorted(present - set(listed))
    rates = sorted({r["rate_spec"] for r in rows}, key=lambda x: -float(x) if x != "native" else float("-inf"))
    print("| condition | " + " | ".join(f"{rate} Hz: achieved / {args.metric}" for rate in rates) + " |")
    print("| --- | " + " | ".join("---" for _ in rates) + " |")
    for task in tasks:
        line = []
        for rate in rates:
            m = cells.get((task, rate), {})
            hz, value = m.get("achieved_input_hz"), m.get(args.metric)
            line.append("-" if hz is None or value is None else f"{float(hz):.2f} / {float(value):.3f}")
        print(f"| {task} | " + " | ".join(line) + " |")


if __name__ == "__main__":
    main()
