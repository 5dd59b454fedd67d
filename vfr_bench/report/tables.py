"""Result tables: one row per (model, task, rate), one column per metric; Markdown, LaTeX, CSV.

Values come from summary.csv unchanged; a CI is printed as value +- half its width (the larger
half where the interval is asymmetric, so the claim is never narrower than the data).
"""

from __future__ import annotations

from dataclasses import dataclass

from vfr_bench.metrics import get_metric
from vfr_bench.report.points import Run, quality_metric_names

LEAD_COLUMNS = ("achieved_input_hz", "input_rate_abs_error", "achieved_output_hz", "output_rate_abs_error")
TAIL_COLUMNS = ("t_total_p50",)


@dataclass
class Table:
    columns: list[str]  # metric names
    rows: list[dict]  # model, task, rate, then metric -> summary row (dict) or None
    best: dict[str, set[int]]  # metric -> indices of the best rows (per task)


def build_table(runs: list[Run]) -> Table:
    quality = quality_metric_names()
    cells: dict[tuple, dict[str, dict]] = {}
    order: dict[tuple, float] = {}
    for run in runs:
        for row in run.summary:
            key = (row["model"], row["task"], row["rate_spec"])
            cells.setdefault(key, {})[row["metric"]] = row
            order[key] = -float(row["requested_output_hz"] or row["requested_input_hz"] or 0)
    present = {m for metrics in cells.values() for m in metrics}
    columns = (
        [c for c in LEAD_COLUMNS if c in present]
        + sorted(present & quality)
        + [c for c in TAIL_COLUMNS if c in present]
    )
    keys = sorted(cells, key=lambda k: (k[1], k[0], order[k]))
    rows = [{"model": k[0], "task": k[1], "rate": k[2], **{c: cells[k].get(c) for c in columns}} for k in keys]
    best: dict[str, set[int]] = {}
    for c in columns:
        direction = get_metric(c).higher_is_better
        if direction is None:
            continue
        for task in {r["task"] for r in rows}:
            idx = [i for i, r in enumerate(rows) if r["task"] == task and r[c] is not None]
            if len(idx) < 2:
                continue
            values = [float(rows[i][c]["value"]) for i in idx]
            target = max(values) if direction else min(values)
            best.setdefault(c, set()).update(i for i, v in zip(idx, values) if v == target)
    return Table(columns, rows, best)


def _cell(row: dict | None, latex: bool) -> str:
    if row is None:
        return "-"
    value = float(row["value"])
    text = f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"
    if row.get("ci_low") not in (None, "") and row.get("ci_high") not in (None, ""):
        half = max(value - float(row["ci_low"]), float(row["ci_high"]) - value)
        text += (r" $\pm$ " if latex else " ± ") + f"{half:.3f}"
    return text


def markdown(table: Table) -> str:
    lines = [
        "| model | task | rate | " + " | ".join(table.columns) + " |",
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
        "model & task & rate & " + " & ".join(esc(c) for c in table.columns) + r" \\",
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
    header = ["model", "task", "rate"]
    for c in table.columns:
        header += [c, f"{c}_ci_low", f"{c}_ci_high"]
    writer.writerow(header)
    for r in table.rows:
        line = [r["model"], r["task"], r["rate"]]
        for c in table.columns:
            row = r[c]
            line += ["", "", ""] if row is None else [row["value"], row.get("ci_low", ""), row.get("ci_high", "")]
        writer.writerow(line)
    return buffer.getvalue()
