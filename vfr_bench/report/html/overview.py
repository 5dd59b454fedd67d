"""The overview's data: the results table (one row per series, task and rate, the judge ceiling a row
of its own, each metric with its 95% CI) and the charts (charts.py), from one `Results`."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from vfr_bench.records import LAB_KIND
from vfr_bench.report.html import charts
from vfr_bench.report.html.chart_allocation import allocation_charts
from vfr_bench.report.series import CEILING_MODEL

if TYPE_CHECKING:
    from vfr_bench.report.results import Results


def overview_table(results: Results) -> dict[str, Any]:
    """{"columns": [{key, title, unit}], "rows": [{series, model, run, task, rate, ceiling, cells,
    unstable}]}, cells {metric: [value, ci_low, ci_high]} (null where not measured; rate errors in %),
    unstable {latency metric: why its cell is not a result} (its cell null)."""
    from vfr_bench.metrics import get_metric
    from vfr_bench.report.tables import default_metrics, in_percent
    from vfr_bench.stability import unstable_in_summary

    if results.summary.empty:
        return {"columns": [], "rows": []}
    metrics = default_metrics(results.summary)
    table = results.table(metrics)
    unit = {m: "%" if in_percent(m) else get_metric(m).unit or "" for m in metrics}  # rate errors in %, as the tables
    columns = [{"key": m, "title": get_metric(m).display or m, "unit": unit[m]} for m in metrics]
    unstable = unstable_in_summary(results.summary)
    latency = [m for m in metrics if get_metric(m).kind == "latency"]
    rows = []
    for rec in table.to_dict("records"):
        scale = {m: 100.0 if unit[m] == "%" else 1.0 for m in metrics}
        cells = {m: [_number(rec.get(k), scale[m]) for k in (m, f"{m}_ci_low", f"{m}_ci_high")] for m in metrics}
        batch = int(rec["batch_size"])
        reason = unstable.get((rec["label"], rec["task"], batch, rec["rate"]))
        for m in latency if reason else []:  # not a result: no number, the reason instead
            cells[m] = [None, None, None]
        rows.append({
            "series": rec["label"], "model": rec["model"], "run": str(rec["run"]).rstrip("/").rsplit("/", 1)[-1],
            "task": rec["task"] if batch == 1 else f"{rec['task']}, batch {batch}", "rate": rec["rate"],
            "ceiling": rec["model"] == CEILING_MODEL, "cells": cells,
            "unstable": {m: reason for m in latency} if reason else {},
        })  # fmt: skip
    return {"columns": columns, "rows": rows}


def _number(value: Any, scale: float = 1.0) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out * scale


def overview_charts(results: Results) -> dict[str, Any]:
    """{name: plotly JSON} of the charts there is data for, in reading order."""
    from vfr_bench.report.points import ceilings, points, series_samples
    from vfr_bench.report.study import read_study

    runs = results.runs
    pts = points(runs, results.series)
    measured = {r.path for r in runs if r.manifest.kind != LAB_KIND}
    samples = series_samples(runs, results.series)
    study = read_study(runs)
    noisy = set(study.noise)
    made = {
        "robustness_quality_vs_snr": charts.robustness_chart(pts, study),
        "languages_quality_vs_rate": charts.languages_chart(pts, study),
        "pareto_quality_vs_rate": charts.pareto_chart(pts, "achieved_hz", ceilings(runs), noisy),
        "pareto_quality_vs_latency": charts.pareto_chart(pts, "t_total_p50", ceilings(runs), noisy),
        "rate_calibration": charts.calibration_chart([(s, x) for s, x in samples if s.run in measured]),
        "latency_vs_rate": charts.latency_chart(samples, study.families()),
    }
    made.update(allocation_charts(results))
    return {name: chart for name, chart in made.items() if chart is not None}
