"""Result tables from a summary DataFrame: one row per (series, task, batch size, rate), one column per
metric (the batch size shown where a latency-lab run swept it).

Values come from summary.csv unchanged; a CI is printed as its bounds, [low, high] (a bootstrap
interval is asymmetric), rate errors in % as on the console. Best in bold among the series at the
same task and rate (a lower rate is another trade-off, not a competitor); the judge ceiling is a row
of its own at the end of its task, never "best". A latency cell the stability rule rejects
(vfr_bench/stability.py) reads "unstable", never a number."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from vfr_bench.escape import latex_text, markdown_row
from vfr_bench.metrics import get_metric
from vfr_bench.report.points import plotted_quality_metrics
from vfr_bench.report.series import CEILING_MODEL, Series

if TYPE_CHECKING:
    import pandas as pd

LEAD_COLUMNS = ("achieved_input_hz", "input_rate_abs_error", "achieved_output_hz", "output_rate_abs_error")
TAIL_COLUMNS = ("t_total_p50",)
ROW_KEYS = ["label", "model", "run", "task", "batch_size", "rate_spec"]


def default_metrics(summary: pd.DataFrame) -> list[str]:
    present = set(summary["metric"])
    quality = plotted_quality_metrics()
    return (
        [c for c in LEAD_COLUMNS if c in present]
        + sorted(present & quality)
        + [c for c in TAIL_COLUMNS if c in present]
    )


def metric_table(
    summary: pd.DataFrame, series: dict[tuple[Path, str], Series], metrics: list[str] | None = None, ci: bool = True
) -> pd.DataFrame:
    """Wide table: label, model, run, task, batch size, rate, then per metric its value (and CI bounds)."""
    import pandas as pd

    metrics = metrics or default_metrics(summary)
    unknown = sorted(set(metrics) - set(summary["metric"]))
    if unknown:
        raise ValueError(
            f"no summary rows of metric(s) {', '.join(unknown)} (present: {sorted(set(summary['metric']))})"
        )
    rows = summary[summary["metric"].isin(metrics)].copy()
    for name in ROW_KEYS:
        rows[name] = rows[name].astype(int if name == "batch_size" else str)
    wide = rows.set_index([*ROW_KEYS, "metric"])[["value", "ci_low", "ci_high"]].unstack("metric")
    out = pd.DataFrame(index=wide.index)
    for m in metrics:
        out[m] = wide[("value", m)] if ("value", m) in wide else None
        if ci:
            out[f"{m}_ci_low"] = wide[("ci_low", m)] if ("ci_low", m) in wide else None
            out[f"{m}_ci_high"] = wide[("ci_high", m)] if ("ci_high", m) in wide else None
    out = out.reset_index().rename(columns={"rate_spec": "rate"})
    return _in_order(out, summary, series)


def _in_order(table: pd.DataFrame, summary: pd.DataFrame, series: dict[tuple[Path, str], Series]) -> pd.DataFrame:
    """Task, then series order (the judge ceiling last), then batch size, then rate from the highest."""
    position = {s.label: i for i, s in enumerate(series.values())}
    rate_rank = {spec: i for i, spec in enumerate(summary["rate_spec"].cat.categories)}
    key = table.apply(
        lambda r: (
            r["task"],
            r["model"] == CEILING_MODEL,
            position.get(r["label"], len(position)),
            r["batch_size"],
            rate_rank[r["rate"]],
        ),
        axis=1,
    )
    return table.loc[key.sort_values().index].reset_index(drop=True)


def best_rows(table: pd.DataFrame, metrics: list[str]) -> dict[str, set[int]]:
    """Per metric with a direction, the rows holding the best value among the series at each (task,
    batch size, rate) (models only; a cell with one series has nothing to beat)."""
    best: dict[str, set[int]] = {}
    for m in metrics:
        direction = get_metric(m).higher_is_better
        if direction is None:
            continue
        contenders = table[(table["model"] != CEILING_MODEL) & table[m].notna()]
        for _, group in contenders.groupby(["task", "batch_size", "rate"]):
            if len(group) < 2:
                continue
            target = group[m].max() if direction else group[m].min()
            best.setdefault(m, set()).update(group.index[group[m] == target])
    return best


def in_percent(metric: str) -> bool:
    """A rate error (a rate metric with no unit: achieved / requested - 1) is printed in %."""
    m = get_metric(metric)
    return m.kind == "rate" and not m.unit


def header(metric: str) -> str:
    """A column's heading: the metric's display name, with its unit."""
    m = get_metric(metric)
    unit = "%" if in_percent(metric) else m.unit
    return f"{m.label} ({unit})" if unit else m.label


def cell_text(value: float | None, low: float | None, high: float | None, digits: int, percent: bool = False) -> str:
    """`0.123 [0.101, 0.150]`; a rate error `1.2 [0.8, 1.6]` (in %)."""
    import pandas as pd

    if value is None or pd.isna(value):
        return "-"
    scale, places = (100.0, max(1, digits - 2)) if percent else (1.0, digits)

    def number(x: float) -> str:
        return f"{x * scale:.{places}f}" if abs(x * scale) < 100 else f"{x * scale:.1f}"

    text = number(value)
    if low is not None and high is not None and not (pd.isna(low) or pd.isna(high)):
        text += f" [{number(low)}, {number(high)}]"
    return text


def formatted(
    summary: pd.DataFrame, series: dict[tuple[Path, str], Series], metrics: list[str] | None, digits: int
) -> tuple[pd.DataFrame, dict[str, set[int]], bool]:
    """Text cells (value [CI]) under display-name headings, the first column headed "series"; the
    best rows per metric; whether a latency cell was printed "unstable"."""
    import pandas as pd

    from vfr_bench.stability import unstable_in_summary

    metrics = metrics or default_metrics(summary)
    table = metric_table(summary, series, metrics, ci=True)
    unstable = unstable_in_summary(summary)
    keys = zip(table["label"], table["task"], table["batch_size"], table["rate"])
    flagged = [key in unstable for key in keys]
    text = pd.DataFrame({"series": table["label"], "task": table["task"]})
    if (table["batch_size"] != 1).any():  # a latency-lab sweep: the batch size tells its rows apart
        text["batch"] = table["batch_size"].astype(str)
    text["rate (Hz)"] = table["rate"]
    for m in metrics:
        latency = get_metric(m).kind == "latency"
        text[header(m)] = [
            "unstable" if latency and bad else cell_text(v, lo, hi, digits, in_percent(m))
            for v, lo, hi, bad in zip(table[m], table[f"{m}_ci_low"], table[f"{m}_ci_high"], flagged)
        ]
    latency_columns = {header(m) for m in metrics if get_metric(m).kind == "latency"}
    best = {header(m): rows - {i for i, bad in enumerate(flagged) if bad and header(m) in latency_columns}
            for m, rows in best_rows(table, metrics).items()}  # fmt: skip
    return text, best, any(flagged) and bool(latency_columns)


UNSTABLE_NOTE = (
    "unstable: a latency cell whose p95 is over 3x its p50, or whose speed-up over the top rate is over 1.5x "
    "the ideal (the rate ratio): the machine was not steady, so it is not a result."
)


def markdown(
    summary: pd.DataFrame, series: dict[tuple[Path, str], Series], metrics: list[str] | None = None, digits: int = 3
) -> str:
    text, best, unstable = formatted(summary, series, metrics, digits)
    lines = [markdown_row(text.columns), markdown_row("---" for _ in text.columns)]
    for i, row in text.iterrows():
        lines.append(markdown_row(f"**{v}**" if i in best.get(c, ()) else v for c, v in row.items()))
    notes = ["", "Values with their 95% bootstrap CI as [low, high]; best in bold among the series at a task and rate."]
    return "\n".join(lines + notes + (["", UNSTABLE_NOTE] if unstable else [])) + "\n"


def latex(
    summary: pd.DataFrame, series: dict[tuple[Path, str], Series], metrics: list[str] | None = None, digits: int = 3
) -> str:
    """booktabs through pandas' Styler; the best cells bold through a Styler property."""
    import pandas as pd

    text, best, _ = formatted(summary, series, metrics, digits)
    escaped = text.copy()
    lead = [name for name in ("series", "task", "batch", "rate (Hz)") if name in text.columns]
    for name in lead:  # the value cells are LaTeX already (digits, brackets)
        escaped[name] = escaped[name].map(latex_text)
    escaped = escaped.rename(columns=latex_text)
    bold = pd.DataFrame("", index=text.index, columns=escaped.columns)
    for column, rows in best.items():
        bold.loc[list(rows), latex_text(column)] = "textbf: --rwrap;"
    styler = escaped.style.hide(axis="index").apply(lambda _: bold, axis=None)
    return styler.to_latex(hrules=True, column_format="l" * len(lead) + "r" * (len(text.columns) - len(lead)))
