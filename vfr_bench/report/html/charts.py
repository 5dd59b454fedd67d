"""The overview's interactive charts (plotly), from the points and samples the static figures draw
(report/points.py): quality against achieved Hz and against t_total p50 (a panel per task and
metric, 95% CIs, the judge ceiling dotted), rate calibration (a box per series and rate, input and
output) and latency by rate (p50, whisker to p95). Each chart is plotly's JSON ({data, layout}),
drawn in the page by the plotly.js inlined beside it; hovering a point names its series, rate, n
and CI."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from vfr_bench.metrics import get_metric
from vfr_bench.records import SampleRecord, SummaryRow
from vfr_bench.report.fig_calibration import rate_errors
from vfr_bench.report.points import Point
from vfr_bench.report.series import Series

Chart = dict[str, Any]
DASHES = ("solid", "dash", "dot", "dashdot")
X_TITLES = {"achieved_hz": "achieved rate (Hz)", "t_total_p50": "t_total p50 (s)"}
PARETO_HOVER = (
    "<b>%{customdata[0]}</b><br>rate %{customdata[1]} Hz<br>%{customdata[2]}: %{y:.4g} "
    "[%{customdata[3]:.4g}, %{customdata[4]:.4g}]<br>n = %{customdata[5]}<br>x = %{x:.4g}<extra></extra>"
)


def pareto_chart(pts: list[Point], x: str, ceilings: list[SummaryRow]) -> Chart | None:
    """Quality against `x` (achieved_hz or t_total_p50), a panel per (task, quality metric)."""
    from plotly.subplots import make_subplots

    panels = sorted({(p.task, p.metric) for p in pts if getattr(p, x) is not None})
    if not panels:
        return None
    titles = [f"{task}: {get_metric(metric).display or metric}" for task, metric in panels]
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=titles, horizontal_spacing=0.08)
    shown: set[str] = set()
    for col, (task, metric) in enumerate(panels, 1):
        mine = [p for p in pts if (p.task, p.metric) == (task, metric) and getattr(p, x) is not None]
        for series in _in_order(p.series for p in mine):
            sp = sorted((p for p in mine if p.series == series), key=lambda p: getattr(p, x))
            fig.add_trace(_pareto_trace(sp, x, series, series.label not in shown), row=1, col=col)
            shown.add(series.label)
        for row in ceilings:
            if (row.task, row.metric) == (task, metric):
                fig.add_hline(y=row.value, line_dash="dot", line_color="#555", row=1, col=col,
                              annotation_text="judge ceiling", annotation_position="top left")  # fmt: skip
        fig.update_xaxes(title_text=X_TITLES[x], row=1, col=col)
        fig.update_yaxes(title_text=_unit(metric), row=1, col=col)
    return _layout(fig, f"Quality against {X_TITLES[x]} (95% CIs)")


def _pareto_trace(pts: list[Point], x: str, series: Series, legend: bool) -> Any:
    import plotly.graph_objects as go

    ys = np.array([p.value for p in pts])
    lo = np.array([p.ci_low if p.ci_low is not None else p.value for p in pts])
    hi = np.array([p.ci_high if p.ci_high is not None else p.value for p in pts])
    return go.Scatter(
        # on a time axis a series' rates may cross in time: its points are labelled with their rate, not joined
        x=[getattr(p, x) for p in pts], y=ys, mode="lines+markers" if x == "achieved_hz" else "markers+text",
        text=None if x == "achieved_hz" else [f"{p.rate_spec} Hz" for p in pts], textposition="top right",
        name=series.label, legendgroup=series.label,
        showlegend=legend, line={"color": series.colour}, marker={"color": series.colour, "size": 8},
        error_y={"type": "data", "symmetric": False, "array": hi - ys, "arrayminus": ys - lo},
        customdata=[[series.label, p.rate_spec, p.metric, lo[i], hi[i], p.n] for i, p in enumerate(pts)],
        hovertemplate=PARETO_HOVER,
    )  # fmt: skip


def calibration_chart(groups: list[tuple[Series, list[SampleRecord]]]) -> Chart | None:
    """Signed rate error (%) per requested rate, a box per series; input and output side by side."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    sides = [s for s in ("input", "output") if any(rate_errors(x, s) for _, x in groups)]
    if not sides:
        return None
    fig = make_subplots(rows=1, cols=len(sides), subplot_titles=[f"{s} rate" for s in sides])
    for col, side in enumerate(sides, 1):
        for series, samples in groups:
            errors = rate_errors(samples, side)
            xs = [f"{hz:g} Hz" for hz in sorted(errors, reverse=True) for _ in errors[hz]]
            ys = [100 * e for hz in sorted(errors, reverse=True) for e in errors[hz]]
            fig.add_trace(
                go.Box(x=xs, y=ys, name=series.label, legendgroup=series.label, showlegend=col == 1,
                       marker_color=series.colour, boxpoints="outliers",
                       hovertemplate=f"<b>{series.label}</b><br>%{{x}}<br>error %{{y:.2f}}%<extra></extra>"),
                row=1, col=col,
            )  # fmt: skip
        fig.update_xaxes(title_text=f"requested {side} rate", row=1, col=col)
        fig.update_yaxes(title_text="achieved / requested - 1 (%)", zeroline=True, row=1, col=col)
    fig.update_layout(boxmode="group")
    return _layout(fig, "Rate calibration: signed rate error per utterance")


def latency_chart(groups: list[tuple[Series, list[SampleRecord]]]) -> Chart | None:
    """t_total p50 by requested rate, a line per (series, task), whisker to p95."""
    import plotly.graph_objects as go

    fig = go.Figure()
    tasks = sorted({s.task for _, samples in groups for s in samples})
    for series, samples in groups:
        for task in sorted({s.task for s in samples}):
            by_rate: dict[float, list[float]] = {}
            for s in samples:
                hz = s.requested_output_hz or s.requested_input_hz
                if s.ok and hz and s.timings and s.timings.t_total is not None and s.task == task:
                    by_rate.setdefault(hz, []).append(s.timings.t_total)
            if by_rate:
                fig.add_trace(_latency_trace(series, task, by_rate, DASHES[tasks.index(task) % len(DASHES)]))
    if not fig.data:
        return None
    fig.update_xaxes(title_text="requested rate (Hz)")
    fig.update_yaxes(title_text="t_total (s)", rangemode="tozero")
    return _layout(fig, "Latency by rate: t_total p50, whisker to p95")


def _latency_trace(series: Series, task: str, by_rate: dict[float, list[float]], dash: str) -> Any:
    import plotly.graph_objects as go

    rates = sorted(by_rate)
    p50, p90, p95 = (np.array([np.percentile(by_rate[r], q) for r in rates]) for q in (50, 90, 95))
    return go.Scatter(
        x=rates, y=p50, mode="lines+markers", name=f"{series.label} / {task}",
        line={"color": series.colour, "dash": dash},
        error_y={"type": "data", "symmetric": False, "array": p95 - p50, "arrayminus": np.zeros_like(p50)},
        customdata=[[series.label, task, f"{r:g}", len(by_rate[r]), p90[i], p95[i]] for i, r in enumerate(rates)],
        hovertemplate="<b>%{customdata[0]}</b> / %{customdata[1]}<br>rate %{customdata[2]} Hz<br>t_total p50 "
        "%{y:.3f} s, p90 %{customdata[4]:.3f}, p95 %{customdata[5]:.3f}<br>n = %{customdata[3]}<extra></extra>",
    )  # fmt: skip


def _in_order(items: Any) -> list[Series]:
    out: list[Series] = []
    for s in items:
        if s not in out:
            out.append(s)
    return out


def _unit(metric: str) -> str:
    m = get_metric(metric)
    return f"{m.display or metric}" + (f" ({m.unit})" if m.unit else "")


def _layout(fig: Any, title: str) -> Chart:
    fig.update_layout(
        title={"text": title, "font": {"size": 14}}, template="plotly_white", height=380,
        margin={"l": 60, "r": 20, "t": 70, "b": 50}, legend={"orientation": "h", "y": -0.25},
    )  # fmt: skip
    return json.loads(fig.to_json())  # plain JSON: numpy arrays as lists
