"""Result tables from a summary DataFrame: one row per (series, task, rate), one column per metric.

Values come from summary.csv unchanged; a CI is printed as value +- half its width (the larger half
where the interval is asymmetric, so the claim is never narrower than the data). Best per task and
metric in bold; the judge ceiling is a row of its own at the end of its task, never "best"."""

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
ROW_KEYS = ["label", "model", "run", "task", "rate_spec"]


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
    """Wide table: label, model, run, task, rate, then per metric its value (and CI bounds)."""
    import pandas as pd

    metrics = metrics or default_metrics(summary)
    unknown = sorted(set(metrics) - set(summary["metric"]))
    if unknown:
        raise ValueError(
            f"no summary rows of metric(s) {', '.join(unknown)} (present: {sorted(set(summary['metric']))})"
        )
    rows = summary[summary["metric"].isin(metrics)].copy()
    for name in ROW_KEYS:
        rows[name] = rows[name].astype(str)
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
    """Task, then series order (the judge ceiling last), then rate from the highest."""
    position = {s.label: i for i, s in enumerate(series.values())}
    rate_rank = {spec: i for i, spec in enumerate(summary["rate_spec"].cat.categories)}
    key = table.apply(
        lambda r: (
            r["task"],
            r["model"] == CEILING_MODEL,
            position.get(r["label"], len(position)),
            rate_rank[r["rate"]],
        ),
        axis=1,
    )
    return table.loc[key.sort_values().index].reset_index(drop=True)


def best_rows(table: pd.DataFrame, metrics: list[str]) -> dict[str, set[int]]:
    """Per metric with a direction, the rows holding the best value within each task (models only)."""
    best: dict[str, set[int]] = {}
    for m in metrics:
        direction = get_metric(m).higher_is_better
        if direction is None:
            continue
        contenders = table[(table["model"] != CEILING_MODEL) & table[m].notna()]
        for _, group in contenders.groupby("task"):
            if len(group) < 2:
                continue
            target = group[m].max() if direction else group[m].min()
            best.setdefault(m, set()).update(group.index[group[m] == target])
    return best


def header(metric: str) -> str:
    """A column's heading: the metric's display name, with its unit."""
    m = get_metric(metric)
    return f"{m.label} ({m.unit})" if m.unit else m.label


def cell_text(value: float | None, low: float | None, high: float | None, plus_minus: str, digits: int) -> str:
    import pandas as pd

    if value is None or pd.isna(value):
        return "-"
    text = f"{value:.{digits}f}" if abs(value) < 100 else f"{value:.1f}"
    if low is not None and high is not None and not (pd.isna(low) or pd.isna(high)):
        text += f"{plus_minus}{max(value - low, high - value):.{digits}f}"
    return text


def formatted(
    summary: pd.DataFrame, series: dict[tuple[Path, str], Series], metrics: list[str] | None, digits: int,
    plus_minus: str,
) -> tuple[pd.DataFrame, dict[str, set[int]]]:  # fmt: skip
    """Text cells (value +- CI) under display-name headings, and the best rows per metric."""
    import pandas as pd

    metrics = metrics or default_metrics(summary)
    table = metric_table(summary, series, metrics, ci=True)
    text = pd.DataFrame({"model": table["label"], "task": table["task"], "rate": table["rate"]})
    for m in metrics:
        text[header(m)] = [
            cell_text(v, lo, hi, plus_minus, digits)
            for v, lo, hi in zip(table[m], table[f"{m}_ci_low"], table[f"{m}_ci_high"])
        ]
    return text, {header(m): rows for m, rows in best_rows(table, metrics).items()}


def markdown(
    summary: pd.DataFrame, series: dict[tuple[Path, str], Series], metrics: list[str] | None = None, digits: int = 3
) -> str:
    text, best = formatted(summary, series, metrics, digits, " ± ")
    lines = [markdown_row(text.columns), markdown_row("---" for _ in text.columns)]
    for i, row in text.iterrows():
        lines.append(markdown_row(f"**{v}**" if i in best.get(c, ()) else v for c, v in row.items()))
    return "\n".join(lines) + "\n"


def latex(
    summary: pd.DataFrame, series: dict[tuple[Path, str], Series], metrics: list[str] | None = None, digits: int = 3
) -> str:
    """booktabs through pandas' Styler; the best cells bold through a Styler property."""
    import pandas as pd

    text, best = formatted(summary, series, metrics, digits, r" $\pm$ ")
    escaped = text.copy()
    for name in ("model", "task", "rate"):  # the value cells are LaTeX already (digits, $\pm$)
        escaped[name] = escaped[name].map(latex_text)
    escaped = escaped.rename(columns=latex_text)
    bold = pd.DataFrame("", index=text.index, columns=escaped.columns)
    for column, rows in best.items():
        bold.loc[list(rows), latex_text(column)] = "textbf: --rwrap;"
    styler = escaped.style.hide(axis="index").apply(lambda _: bold, axis=None)
    return styler.to_latex(hrules=True, column_format="lll" + "r" * (len(text.columns) - 3))
