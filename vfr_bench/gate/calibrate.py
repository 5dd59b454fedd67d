"""Calibration over repeated runs of one checkpoint: the spread of each metric and proposed thresholds.

A threshold tighter than the spread between identical runs flaps. Two runs can agree exactly (the
same machine, a deterministic model) and still differ on another day or CPU, so the proposal is the
largest of: three standard deviations across runs, the worst difference between any two runs, half
the width of a run's 95% bootstrap CI (how far one run's value could move with other utterances),
and a floor (0.001 for a fraction, else 1% of the mean); rounded up. Each row says which one won.
Latency: the worst ratio between runs plus 10%, and never below 1.1.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from vfr_bench.escape import markdown_row
from vfr_bench.metrics import get_metric
from vfr_bench.rates import rate_order
from vfr_bench.records import SummaryRow
from vfr_bench.run_dir import RunDirectory
from vfr_bench.scoring.summary import current_summary

CALIBRATED_EXTRAS = ("t_total_p50", "input_rate_abs_error", "output_rate_abs_error")
FRACTION_FLOOR = 0.001
RELATIVE_FLOOR = 0.01
MIN_RATIO = 1.1


def _round_up(x: float) -> float:
    if x <= 0:
        return 0.0
    digits = 1 - int(math.floor(math.log10(x)))
    return math.ceil(x * 10**digits) / 10**digits


def calibrate(run_dirs: list[Path]) -> list[dict[str, Any]]:
    """Per (model, task, rate, batch size, metric) seen in at least two runs: n, mean, std, worst pairwise
    difference, CI half-width, proposed max_regression (quality) or max_ratio (latency), and which
    term the proposal came from."""
    if len(run_dirs) < 2:
        raise ValueError("calibration needs at least two runs of the same checkpoint")
    rows: dict[tuple[str, str, str, int, str], list[SummaryRow]] = defaultdict(list)
    for run in run_dirs:
        for summary in current_summary(RunDirectory(run)):
            rows[(*summary.cell, summary.metric)].append(summary)
    out = []
    for (model, task, rate, batch, name), cell in sorted(rows.items(), key=lambda kv: _cell_order(kv[0])):
        metric = get_metric(name)
        if len(cell) < 2 or not (metric.kind == "quality" or name in CALIBRATED_EXTRAS):
            continue
        arr = np.array([r.value for r in cell])
        row: dict[str, Any] = {
            "model": model, "task": task, "rate": rate, "batch_size": batch, "metric": name, "n_runs": len(cell),
            "mean": float(arr.mean()), "std": float(arr.std(ddof=1)),
            "worst_of_n": float(max(abs(a - b) for a, b in itertools.combinations(arr, 2))),
        }  # fmt: skip
        if metric.kind == "latency" and arr.min() > 0:
            row["worst_ratio"] = float(arr.max() / arr.min())
            row["proposed_max_ratio"] = max(MIN_RATIO, _round_up(row["worst_ratio"] * 1.1))
            row["derived_from"] = "worst ratio + 10%" if row["proposed_max_ratio"] > MIN_RATIO else "floor 1.1"
        elif metric.kind == "quality":
            row.update(_tolerance(cell, row, metric.scale))
        out.append(row)
    return out


def _tolerance(cell: list[SummaryRow], row: dict[str, Any], scale: str) -> dict[str, Any]:
    halves = [(r.ci_high - r.ci_low) / 2 for r in cell if r.ci_low is not None and r.ci_high is not None]
    terms = {
        "3 std": 3 * row["std"],
        "worst difference": row["worst_of_n"],
        "CI half-width": float(np.median(halves)) if halves else 0.0,
        "floor": FRACTION_FLOOR if scale == "fraction" else max(abs(row["mean"]) * RELATIVE_FLOOR, FRACTION_FLOOR),
    }
    won = max(terms, key=lambda k: terms[k])
    return {
        "ci_half_width": terms["CI half-width"],
        "terms": terms,
        "proposed_max_regression": _round_up(terms[won]),
        "derived_from": won,
    }


def derivation(row: dict[str, Any]) -> str:
    """How a row's proposal was reached, in one line (a comment in the proposed YAML)."""
    where = f"{row['model']}, {row['task']} @ {row['rate']} Hz, {row['n_runs']} runs"
    if "proposed_max_ratio" in row:
        return (
            f"{where}: worst ratio between runs {row['worst_ratio']:.3g} + 10% = {row['worst_ratio'] * 1.1:.3g}, "
            f"never below {MIN_RATIO:g} -> {row['proposed_max_ratio']:g} ({row['derived_from']})"
        )
    terms = ", ".join(f"{name} {value:.3g}" for name, value in row["terms"].items())
    won = row["terms"][row["derived_from"]]
    return (
        f"{where}: largest of {terms} -> {row['derived_from']} {won:.3g}, "
        f"rounded up to {row['proposed_max_regression']:g}"
    )


HEADER = (
    "# proposed by vfr-bench gate calibrate from {n} repeated runs of one checkpoint.\n"
    "# Each max_regression is the largest of: 3 standard deviations across the runs, the worst difference\n"
    "# between two runs, half the width of a run's 95% bootstrap CI and a floor (0.001 for a fraction, else\n"
    "# 1% of the mean), rounded up to two significant digits; where several models share a cell, the largest.\n"
    "# Runs on one machine agree exactly, so these cover another day, not another CPU: the gate warns when\n"
    "# baseline and candidate ran on other hardware or inference backends.\n"
)


def _scalar(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else format(value, "g")


def proposed_yaml(rows: list[dict]) -> str:
    """The proposal as a rule file, one rule per (metric, task, rate), each with a comment per model
    saying how its tolerance was derived."""
    cells: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for r in rows:
        if "proposed_max_regression" in r:
            cells[(r["metric"], r["task"], r["rate"])].append(r)
    lines = [HEADER.format(n=max((r["n_runs"] for r in rows), default=0)) + "confidence: 0.95", "rules:"]
    for (metric, task, rate), cell in sorted(cells.items(), key=lambda kv: (kv[0][:2], rate_order(kv[0][2]))):
        lines += [f"  # {derivation(r)}" for r in cell]
        lines += [
            f"  - metric: {_scalar(metric)}",
            f"    task: {_scalar(task)}",
            f"    rate: {_scalar(rate)}",
            f"    max_regression: {_scalar(max(r['proposed_max_regression'] for r in cell))}",
        ]
    if not cells:
        lines[-1] = "rules: []"
    ratios = [r for r in rows if r["metric"] == "t_total_p50" and "proposed_max_ratio" in r]
    if ratios:
        lines += ["latency:", *[f"  # {derivation(r)}" for r in ratios], "  metric: t_total_p50"]
        lines.append(f"  max_ratio: {_scalar(max(r['proposed_max_ratio'] for r in ratios))}")
    return "\n".join(lines) + "\n"


METHOD = (
    "Proposed max_regression (quality): the largest of 3 std across the runs, the worst difference between "
    "two runs, the median half-width of a run's 95% CI, and a floor (0.001 for a fraction, else 1% of the "
    "mean), rounded up; `from` names the term that won. Latency: the worst ratio between runs + 10%, never "
    "below 1.1. Rate errors are shown, not proposed (rate_fidelity.max_abs_error is a fixed tolerance)."
)


def calibration_markdown(rows: list[dict]) -> str:
    lines = [
        METHOD,
        "",
        "| model | task | rate | metric | runs | mean | std | worst of N | CI half-width | proposed | from |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        proposed = r.get("proposed_max_regression", r.get("proposed_max_ratio"))
        kind = "max ratio " if "proposed_max_ratio" in r else ""
        half = "-" if r.get("ci_half_width") is None else format(r["ci_half_width"], ".3g")
        lines.append(
            markdown_row([
                r["model"], r["task"], r["rate"], r["metric"], r["n_runs"], f"{r['mean']:.4g}", f"{r['std']:.3g}",
                f"{r['worst_of_n']:.3g}", half, "-" if proposed is None else kind + format(proposed, "g"),
                r.get("derived_from", "-"),
            ])
        )  # fmt: skip
    return "\n".join(lines) + "\n"


def _cell_order(key: tuple[str, str, str, int, str]) -> tuple:
    """(model, task, rate, batch size, metric) with rates high to low, as a run lists them."""
    model, task, rate, batch, metric = key
    return (model, task, rate_order(rate), batch, metric)
