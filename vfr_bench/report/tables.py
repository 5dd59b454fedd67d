"""Result tables: one row per (series, task, rate), one column per metric; Markdown, LaTeX, CSV.
A series is one model in one run (series.py): two runs of one model are rows of their own. The
judge ceiling, where scored, is a row of its own under each task's models.

Values come from summary.csv unchanged; a CI is printed as value +- half its width (the larger
half where the interval is asymmetric, so the claim is never narrower than the data).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vfr_bench.metrics import get_metric
from vfr_bench.records import SummaryRow
from vfr_bench.report.points import Run, plotted_quality_metrics
from vfr_bench.report.series import CEILING_MODEL, Series

CEILING_LABEL = "judge ceiling"

LEAD_COLUMNS = ("achieved_input_hz", "input_rate_abs_error", "achieved_output_hz", "output_rate_abs_error")
TAIL_COLUMNS = ("t_total_p50",)


@dataclass
class Table:
    columns: list[str]  # metric names
    rows: list[dict[str, Any]]  # model (the series label), task, rate, run, then metric -> SummaryRow or None
    best: dict[str, set[int]]  # metric -> indices of the best rows (per task)


RowKey = tuple[str, str, str, str]  # (task, series label, rate spec, run)


def build_table(runs: list[Run], series: dict[tuple[Path, str], Series]) -> Table:
    quality = plotted_quality_metrics()
    cells: dict[RowKey, dict[str, SummaryRow]] = {}
    order: dict[RowKey, tuple[int, int, float]] = {}
    position = {s.label: i for i, s in enumerate(series.values())}
    ceiling_runs = sorted({str(r.path) for r in runs for row in r.summary if row.model == CEILING_MODEL})
    for run in runs:
        for row in run.summary:
            if row.model == CEILING_MODEL:
                label = CEILING_LABEL if len(ceiling_runs) == 1 else f"{CEILING_LABEL} ({run.path.name})"
            else:
                label = series[(run.path, row.model)].label
            key = (row.task, label, row.rate_spec, str(run.path))
            cells.setdefault(key, {})[row.metric] = row
            hz = -float(row.requested_output_hz or row.requested_input_hz or 0)
            order[key] = (row.model == CEILING_MODEL, position.get(label, 0), hz)
    present = {m for metrics in cells.values() for m in metrics}
    columns = (
        [c for c in LEAD_COLUMNS if c in present]
        + sorted(present & quality)
        + [c for c in TAIL_COLUMNS if c in present]
    )
    keys = sorted(cells, key=lambda k: (k[0], order[k]))
    rows = [
        {"model": k[1], "task": k[0], "rate": k[2], "run": k[3], **{c: cells[k].get(c) for c in columns}} for k in keys
    ]
    return Table(columns, rows, _best(columns, rows))


def _best(columns: list[str], rows: list[dict[str, Any]]) -> dict[str, set[int]]:
    best: dict[str, set[int]] = {}
    for c in columns:
        direction = get_metric(c).higher_is_better
        if direction is None:
            continue
        for task in {r["task"] for r in rows}:  # the judge ceiling is a bound, not a contender
            idx = [
                i for i, r in enumerate(rows) if r["task"] == task and r[c] is not None and r[c].model != CEILING_MODEL
            ]
            if len(idx) < 2:
                continue
            values = [rows[i][c].value for i in idx]
            target = max(values) if direction else min(values)
            best.setdefault(c, set()).update(i for i, v in zip(idx, values) if v == target)
    return best


def _cell(row: SummaryRow | None, latex: bool) -> str:
    if row is None:
        return "-"
    text = f"{row.value:.3f}" if abs(row.value) < 100 else f"{row.value:.1f}"
    if row.ci_low is not None and row.ci_high is not None:
        half = max(row.value - row.ci_low, row.ci_high - row.value)
        text += (r" $\pm$ " if latex else " ± ") + f"{half:.3f}"
    return text


def header(metric: str) -> str:
    """A column's heading: the metric's display name, with its unit."""
    m = get_metric(metric)
    return f"{m.label} ({m.unit})" if m.unit else m.label


def markdown(table: Table) -> str:
    lines = [
        "| model | task | rate | " + " | ".join(header(c).replace("|", "\\|") for c in table.columns) + " |",
        "| --- | --- | --- | " + " | ".join("---" for _ in table.columns) + " |",
    ]
    for i, r in enumerate(table.rows):
        cells = [
            f"**{_cell(r[c], False)}**" if i in table.best.get(c, ()) else _cell(r[c], False) for c in table.columns
        ]
        lines.append(f"| {r['model']} | {r['task']} | {r['rate']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def latex(table: Table) -> str:
    def esc(text: str) -> str:
        return text.replace("_", r"\_").replace("%", r"\%").replace("&", r"\&")

    lines = [
        r"\begin{tabular}{lll" + "r" * len(table.columns) + "}",
        r"\toprule",
        "model & task & rate & " + " & ".join(esc(header(c)) for c in table.columns) + r" \\",
        r"\midrule",
    ]
    for i, r in enumerate(table.rows):
        cells = [
            rf"\textbf{{{_cell(r[c], True)}}}" if i in table.best.get(c, ()) else _cell(r[c], True)
            for c in table.columns
        ]
        lines.append(f"{esc(r['model'])} & {esc(r['task'])} & {esc(r['rate'])} & " + " & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def csv_text(table: Table) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = ["series", "model", "run", "task", "rate"]
    for c in table.columns:
        names += [c, f"{c}_ci_low", f"{c}_ci_high"]
    writer.writerow(names)
    for r in table.rows:
        model = next((row.model for c in table.columns if (row := r[c]) is not None), "")
        line = [r["model"], model, r["run"], r["task"], r["rate"]]
        for c in table.columns:
            row = r[c]
            line += ["", "", ""] if row is None else [row.value, _blank(row.ci_low), _blank(row.ci_high)]
        writer.writerow(line)
    return buffer.getvalue()


def _blank(value: float | None) -> float | str:
    return "" if value is None else value
