"""What figures and tables draw: one point per (model, task, rate, metric), from each run's summary.csv,
plus published numbers from a CSV of reported results (drawn apart, never merged with measured ones)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from vfr_bench.metrics import ALL_METRICS
from vfr_bench.run_dir import MANIFEST, SAMPLES, SUMMARY, read_jsonl

# Reported results give these metrics in percent; ours are fractions.
PERCENT_METRICS = {"wer", "cer", "accuracy"}


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
    run: str


@dataclass(frozen=True)
class ReportedPoint:
    source: str
    model: str
    task: str
    input_hz: float
    output_hz: float
    metric: str
    channel: str  # s2t or s2s
    value: float  # on our scale (fractions where we use fractions)


@dataclass
class Run:
    path: Path
    manifest: dict
    summary: list[dict]
    samples: list[dict]


def load_run(path: Path) -> Run:
    path = Path(path)
    if not (path / MANIFEST).is_file():
        raise FileNotFoundError(f"{path} is not a run directory (no {MANIFEST})")
    if not (path / SUMMARY).is_file():
        raise FileNotFoundError(f"{path} has no {SUMMARY}: score it first (`vfr-bench score {path}`)")
    with open(path / SUMMARY, newline="") as f:
        summary = list(csv.DictReader(f))
    return Run(path, json.loads((path / MANIFEST).read_text(encoding="utf-8")), summary, read_jsonl(path / SAMPLES))


def _float(value: str) -> float | None:
    return None if value in ("", None) else float(value)


def quality_metric_names() -> set[str]:
    from vfr_bench.gate.compare import is_quality

    return {name for name, m in ALL_METRICS.items() if is_quality(name) and m.higher_is_better is not None}


def points(runs: list[Run]) -> list[Point]:
    """Quality points with the rate and latency of their cell attached."""
    quality = quality_metric_names()
    out = []
    for run in runs:
        cells: dict[tuple, dict[str, dict]] = {}
        for row in run.summary:
            cells.setdefault((row["model"], row["task"], row["rate_spec"]), {})[row["metric"]] = row
        for (model, task, spec), metrics in cells.items():
            achieved = metrics.get("achieved_output_hz") or metrics.get("achieved_input_hz")
            t_total, t_ar = metrics.get("t_total_p50"), metrics.get("t_ar_p50")
            for name, row in metrics.items():
                if name not in quality:
                    continue
                out.append(
                    Point(
                        model,
                        task,
                        spec,
                        _float(row["requested_input_hz"]),
                        _float(row["requested_output_hz"]),
                        name,
                        float(row["value"]),
                        _float(row["ci_low"]),
                        _float(row["ci_high"]),
                        int(row["n"]),
                        None if achieved is None else float(achieved["value"]),
                        None if t_total is None else float(t_total["value"]),
                        None if t_ar is None else float(t_ar["value"]),
                        str(run.path),
                    )
                )
    return out


def load_reported(path: Path) -> list[ReportedPoint]:
    """Rows of `source,model,input_hz,output_hz,task,metric,s2t,s2s` (lines starting with # are notes)."""
    path = Path(path)
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f if not line.startswith("#")]
    reader = csv.DictReader(lines)
    needed = {"source", "model", "input_hz", "output_hz", "task", "metric"}
    if not reader.fieldnames or not needed <= set(reader.fieldnames):
        raise ValueError(f"{path}: a reported-results CSV needs the columns {sorted(needed)} and s2t and/or s2s")
    out = []
    for row in reader:
        for channel in ("s2t", "s2s"):
            if row.get(channel) not in (None, ""):
                value = float(row[channel])
                if row["metric"] in PERCENT_METRICS:
                    value /= 100.0
                out.append(
                    ReportedPoint(
                        source=row["source"],
                        model=row["model"],
                        task=row["task"],
                        input_hz=float(row["input_hz"]),
                        output_hz=float(row["output_hz"]),
                        metric=row["metric"],
                        channel=channel,
                        value=value,
                    )
                )
    return out
