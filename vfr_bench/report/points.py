"""What figures and tables draw: one point per (series, task, rate, quality metric), from each run's
summary, plus published numbers from a CSV of reported results (drawn apart, never merged). A
series is one model in one run (series.py), so two runs of one model stay two series."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from vfr_bench.metrics import all_metrics, get_metric
from vfr_bench.records import CellKey, SampleRecord, SummaryRow
from vfr_bench.registry import UnknownName
from vfr_bench.report.series import CEILING_MODEL, Series, assign_series
from vfr_bench.run_view import RunView


@dataclass(frozen=True)
class Point:
    model: str
    task: str
    rate_spec: str
    requested_input_hz: float | None
    requested_output_hz: float | None
    metric: str
    value: float
    ci_low: float | None
    ci_high: float | None
    n: int
    achieved_hz: float | None  # output side where the task speaks, else input side
    t_total_p50: float | None
    t_ar_p50: float | None
    series: Series


@dataclass(frozen=True)
class ReportedPoint:
    source: str
    model: str
    task: str
    input_hz: float
    output_hz: float
    metric: str
    value: float  # on vfr-bench's scale (fractions where the metric is a fraction)
    recipe: str | None = None  # the scoring recipe it was published under (wer_recipes.py names), if known


def run_series(runs: list[RunView], labels: dict[Path, str] | None = None) -> dict[tuple[Path, str], Series]:
    """(run path, model) -> its Series; see series.assign_series."""
    found = assign_series([(r.path, r.manifest, r.models()) for r in runs], labels)
    return {(s.run, s.model): s for s in found}


def series_samples(
    runs: list[RunView], series: dict[tuple[Path, str], Series]
) -> list[tuple[Series, list[SampleRecord]]]:
    """Each series with its sample records, in series order."""
    out = []
    for s in series.values():
        run = next(r for r in runs if r.path == s.run)
        out.append((s, [x for x in run.samples if x.model == s.model]))
    return out


def ceilings(runs: list[RunView]) -> list[SummaryRow]:
    """Judge-ceiling rows (scoring/ceiling.py): what a perfect model would score through the judges."""
    return [row for run in runs for row in run.summary if row.model == CEILING_MODEL]


def plotted_quality_metrics() -> set[str]:
    """Quality metrics with a direction: the y axes of the Pareto figures and the tables' columns."""
    return {name for name, m in all_metrics().items() if m.kind == "quality" and m.higher_is_better is not None}


def points(runs: list[RunView], series: dict[tuple[Path, str], Series]) -> list[Point]:
    """Quality points with the rate and latency of their cell attached (the judge ceiling is not a
    point: see ceilings())."""
    quality = plotted_quality_metrics()
    out = []
    for run in runs:
        cells: dict[CellKey, dict[str, SummaryRow]] = {}
        for row in run.summary:
            if row.model != CEILING_MODEL:
                cells.setdefault(row.cell, {})[row.metric] = row
        for (model, task, spec, _batch), metrics in cells.items():  # quality: one request at a time
            achieved = metrics.get("achieved_output_hz") or metrics.get("achieved_input_hz")
            t_total, t_ar = metrics.get("t_total_p50"), metrics.get("t_ar_p50")
            for name, row in metrics.items():
                if name not in quality:
                    continue
                out.append(
                    Point(
                        model, task, spec, row.requested_input_hz, row.requested_output_hz, name, row.value,
                        row.ci_low, row.ci_high, row.n, achieved.value if achieved else None,
                        t_total.value if t_total else None, t_ar.value if t_ar else None, series[(run.path, model)],
                    )
                )  # fmt: skip
    return out


REPORTED_COLUMNS = ("source", "model", "input_hz", "output_hz", "task", "metric", "value")


def load_reported(path: Path) -> list[ReportedPoint]:
    """Rows of `source,model,input_hz,output_hz,task,metric,value[,recipe]` (lines starting with # are
    notes).

    `task` is the vfr-bench task the number was measured on (figures draw it on that task's panel
    only, so a LibriSpeech WER never lands beside the built-in `asr` set); `metric` is a vfr-bench
    metric name; `value` is as published, so a metric whose scale is a fraction (WER, accuracy) is
    read as a percentage and divided by 100; `recipe` is the scoring recipe the number was made with
    (`kimi-audio-evalkit`, `uro-bench`, ...): figures draw it only beside a metric of that recipe."""
    from vfr_bench.task_files import get_task

    path = Path(path)
    with open(path, encoding="utf-8") as f:
        lines = [(number, line) for number, line in enumerate(f, 1) if not line.startswith("#")]
    reader = csv.DictReader(line for _, line in lines)
    if not reader.fieldnames or set(REPORTED_COLUMNS) - set(reader.fieldnames):
        raise ValueError(f"{path}: a reported-results CSV has the columns {', '.join(REPORTED_COLUMNS)}")
    out = []
    for (number, _), row in zip(lines[1:], reader):
        try:
            get_task(row["task"])
            metric = get_metric(row["metric"])
            value = float(row["value"])
            out.append(
                ReportedPoint(
                    source=row["source"], model=row["model"], task=row["task"], input_hz=float(row["input_hz"]),
                    output_hz=float(row["output_hz"]), metric=metric.name,
                    value=value / 100.0 if metric.scale == "fraction" else value,
                    recipe=(row.get("recipe") or "").strip() or None,
                )
            )  # fmt: skip
        except (UnknownName, ValueError) as err:
            raise ValueError(f"{path}:{number}: {err}") from None
    return out
