"""Calibration over repeated runs of one checkpoint: the spread of each metric and proposed thresholds.

A threshold tighter than the spread between identical runs flaps; the proposal is the larger of
three standard deviations and the worst difference seen between any two runs, rounded up.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from vfr_bench.metrics import get_metric
from vfr_bench.run_dir import RunDirectory

CALIBRATED_EXTRAS = ("t_total_p50", "input_rate_abs_error", "output_rate_abs_error")


def _round_up(x: float) -> float:
    if x <= 0:
        return 0.0
    digits = 1 - int(math.floor(math.log10(x)))
    return math.ceil(x * 10**digits) / 10**digits


def calibrate(run_dirs: list[Path]) -> list[dict[str, Any]]:
    """Per (model, task, rate, metric) seen in at least two runs: n, mean, std, worst pairwise
    difference, proposed max_regression (quality) or max_ratio (latency)."""
    if len(run_dirs) < 2:
        raise ValueError("calibration needs at least two runs of the same checkpoint")
    values: dict[tuple[str, str, str, str], list[float]] = defaultdict(list)
    for run in run_dirs:
        for summary in RunDirectory(run).summary():
            values[(summary.model, summary.task, summary.rate_spec, summary.metric)].append(summary.value)
    out = []
    for (model, task, rate, name), vals in sorted(values.items()):
        metric = get_metric(name)
        if len(vals) < 2 or not (metric.kind == "quality" or name in CALIBRATED_EXTRAS):
            continue
        arr = np.array(vals)
        worst = max(abs(a - b) for a, b in itertools.combinations(vals, 2))
        row: dict[str, Any] = {
            "model": model, "task": task, "rate": rate, "metric": name, "n_runs": len(vals),
            "mean": float(arr.mean()), "std": float(arr.std(ddof=1)), "worst_of_n": float(worst),
        }  # fmt: skip
        if metric.kind == "latency" and arr.min() > 0:
            row["proposed_max_ratio"] = _round_up(float(arr.max() / arr.min()) * 1.1)
        elif metric.kind == "quality":
            row["proposed_max_regression"] = _round_up(max(3 * row["std"], worst))
        out.append(row)
    return out


def proposed_yaml(rows: list[dict]) -> str:
    rules = [
        {"metric": r["metric"], "task": r["task"], "rate": r["rate"], "max_regression": r["proposed_max_regression"]}
        for r in rows
        if "proposed_max_regression" in r
    ]
    ratios = [r["proposed_max_ratio"] for r in rows if r["metric"] == "t_total_p50" and "proposed_max_ratio" in r]
    doc = {"confidence": 0.95, "rules": rules}
    if ratios:
        doc["latency"] = {"metric": "t_total_p50", "max_ratio": max(ratios)}
    return "# proposed by vfr-bench gate calibrate from repeated runs of one checkpoint\n" + yaml.safe_dump(
        doc, sort_keys=False
    )


def calibration_markdown(rows: list[dict]) -> str:
    lines = [
        "| model | task | rate | metric | runs | mean | std | worst of N | proposed |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        proposed = r.get("proposed_max_regression", r.get("proposed_max_ratio"))
        kind = "max ratio " if "proposed_max_ratio" in r else ""
        lines.append(
            f"| {r['model']} | {r['task']} | {r['rate']} | {r['metric']} | {r['n_runs']} | {r['mean']:.4g} | "
            f"{r['std']:.3g} | {r['worst_of_n']:.3g} | {'-' if proposed is None else kind + format(proposed, 'g')} |"
        )
    return "\n".join(lines) + "\n"
