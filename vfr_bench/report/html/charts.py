"""The overview's interactive charts (plotly), from the points and samples the static figures draw
(report/points.py), by the static figures' rules (panels wrapped into rows of at most three, each
series its colour, marker symbol and dash, rate rising to the right): quality against achieved Hz
and against t_total p50 (a panel per task and metric, 95% CIs, the judge ceiling dotted; noise
conditions left to the robustness chart), quality against SNR, rate calibration (a box per series
and rate, input and output) and latency by rate (p50, bars p10 to p90, unstable cells hollow).
Each chart is plotly's JSON ({data, layout}), drawn in the page by the plotly.js inlined beside
it; hovering a point names its series, rate, n and CI."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from vfr_bench.metrics import get_metric
from vfr_bench.records import SampleRecord, SummaryRow
from vfr_bench.report import style
from vfr_bench.report.fig_calibration import rate_errors
from vfr_bench.report.fig_common import crowded_rates
from vfr_bench.report.latency_lines import latency_lines
from vfr_bench.report.layout import columns_for
from vfr_bench.report.points import Point
from vfr_bench.report.series import Series
from vfr_bench.report.study import Study
from vfr_bench.stability import unstable_cells

Chart = dict[str, Any]
X_TITLES = {"achieved_hz": "achieved rate (Hz)", "t_total_p50": "t_total p50 (s)"}
ROW_PIXELS = 300  # one row of panels
PARETO_HOVER = (
    "<b>%{customdata[0]}</b><br>rate %{customdata[1]} Hz<br>%{customdata[2]}: %{y:.4g} "
    "[%{customdata[3]:.4g}, %{customdata[4]:.4g}]<br>n = %{customdata[5]}<br>x = %{x:.4g}<extra></extra>"
)


def pareto_chart(
    pts: list[Point], x: str, ceilings: list[SummaryRow], skip_tasks: set[str] | frozenset[str] = frozenset()
) -> Chart | None:
    """Quality against `x` (achieved_hz or t_total_p50), a panel per (task, quality metric), wrapped
    into rows with the x axis shared; noise conditions (`skip_tasks`) are the robustness chart's."""
    pts = [p for p in pts if p.task not in skip_tasks and getattr(p, x) is not None]
    panels = sorted({(p.task, p.metric) for p in pts})
    if not panels:
        return None
    titles = [f"{task}: {get_metric(metric).display or metric}" for task, metric in panels]
    fig, cols = _grid(titles, shared_y=len({m for _, m in panels}) == 1)
    shown: set[str] = set()
    for i, (task, metric) in enumerate(panels):
        row, col = i // cols + 1, i % cols + 1
        mine = [p for p in pts if (p.task, p.metric) == (task, metric)]
        for series in _in_order(p.series for p in mine):
            sp = sorted((p for p in mine if p.series == series), key=lambda p: getattr(p, x))
            fig.add_trace(_pareto_trace(sp, x, series, series.label not in shown), row=row, col=col)
            shown.add(series.label)
        for ceiling in ceilings:
            if (ceiling.task, ceiling.metric) == (task, metric):
                fig.add_hline(y=ceiling.value, line_dash="dot", line_color="#555", row=row, col=col,
                              annotation_text="judge ceiling", annotation_position="top left")  # fmt: skip
        if row == -(-len(panels) // cols):
            fig.update_xaxes(title_text=X_TITLES[x], row=row, col=col)
        if col == 1:
            fig.update_yaxes(title_text=_unit(metric), row=row, col=col)
    if x == "achieved_hz" and crowded_rates([_hz(p) for p in pts]):
        fig.update_xaxes(type="log")
    return _layout(fig, f"Quality against {X_TITLES[x]} (95% CIs)", -(-len(panels) // cols))


def robustness_chart(pts: list[Point], study: Study) -> Chart | None:
    """Quality against SNR, a panel per (noise kind, series), a line per rate, the clean task's value
    at each rate dotted: the static robustness figure's content (fig_robustness.py)."""
    noisy = [p for p in pts if p.task in study.noise]
    if not noisy:
        return None
    panels = sorted(
        {(p.series.label, study.noise[p.task].kind) for p in noisy},
        key=lambda k: (
            _in_order(p.series for p in noisy).index(next(p.series for p in noisy if p.series.label == k[0])),
            k[1],
        ),
    )
    fig, cols = _grid([f"{kind}, {label}" for label, kind in panels], shared_y=True, columns=min(3, len(
        {k for _, k in panels})))  # fmt: skip
    rates = sorted({_hz(p) for p in noisy}, reverse=True)
    for i, (label, kind) in enumerate(panels):
        row, col = i // cols + 1, i % cols + 1
        mine = [p for p in noisy if p.series.label == label and study.noise[p.task].kind == kind]
        for j, hz in enumerate(rates):
            cell = sorted(((study.noise[p.task].snr_db, p) for p in mine if _hz(p) == hz), key=lambda c: c[0])
            fig.add_trace(_snr_trace(cell, hz, j, len(rates), i == 0), row=row, col=col)
            clean = {study.noise[p.task].clean for _, p in cell} - {None}
            for p in pts:
                if p.task in clean and p.series.label == label and _hz(p) == hz and p.metric == cell[0][1].metric:
                    fig.add_hline(y=p.value, line_dash="dot", line_color=_rate_colour(j, len(rates)), row=row, col=col)
        if col == 1:
            fig.update_yaxes(title_text=_unit(mine[0].metric), row=row, col=col)
    fig.update_xaxes(title_text="SNR (dB)")
    title = "Quality against SNR per noise kind; the clean task at each rate dotted"
    return _layout(fig, title, -(-len(panels) // cols))


def languages_chart(pts: list[Point], study: Study) -> Chart | None:
    """Quality by requested rate, a line per language, a panel per (suite, metric, series): the
    static languages figure's content (fig_languages.py)."""
    families = set(study.language_families())
    mine = [p for p in pts if p.task in study.languages and study.languages[p.task].family in families]
    if not mine:
        return None
    order = _in_order(p.series for p in mine)
    panels = sorted({(study.languages[p.task].family, p.metric, p.series.label) for p in mine},
                    key=lambda k: (k[0], k[1], [s.label for s in order].index(k[2])))  # fmt: skip
    languages = sorted({study.languages[p.task].language for p in mine})
    fig, cols = _grid([f"{f}: {get_metric(m).display or m}, {label}" for f, m, label in panels], shared_y=True)
    for i, (family, metric, label) in enumerate(panels):
        row, col = i // cols + 1, i % cols + 1
        for k, language in enumerate(languages):
            where = (label, metric, family, language)
            cell = sorted((p for p in mine if _language_key(p, study) == where), key=_hz)
            if cell:
                fig.add_trace(_language_trace(cell, language, k, i == 0), row=row, col=col)
        if col == 1:
            fig.update_yaxes(title_text=_unit(metric), row=row, col=col)
    fig.update_xaxes(title_text="requested rate (Hz)")
    if crowded_rates([_hz(p) for p in mine]):
        fig.update_xaxes(type="log")
    return _layout(fig, "Quality by language and requested rate (95% CIs)", -(-len(panels) // cols))


def _language_key(p: Point, study: Study) -> tuple[str, str, str, str]:
    task = study.languages[p.task]
    return p.series.label, p.metric, task.family, task.language


def _language_trace(cell: list[Point], language: str, k: int, legend: bool) -> Any:
    import plotly.graph_objects as go

    ys = np.array([p.value for p in cell])
    lo = np.array([p.ci_low if p.ci_low is not None else p.value for p in cell])
    hi = np.array([p.ci_high if p.ci_high is not None else p.value for p in cell])
    symbol = style.PLOTLY_SYMBOLS[style.MARKERS[k % len(style.MARKERS)]]
    return go.Scatter(
        x=[_hz(p) for p in cell], y=ys, mode="lines+markers", name=language, legendgroup=language,
        showlegend=legend, line={"color": style.PALETTE[k % len(style.PALETTE)]},
        marker={"symbol": symbol, "size": 7, "color": style.PALETTE[k % len(style.PALETTE)]},
        error_y={"type": "data", "symmetric": False, "array": hi - ys, "arrayminus": ys - lo},
        hovertemplate=f"{language}<br>rate %{{x:g}} Hz<br>%{{y:.4g}}<extra></extra>",
    )  # fmt: skip


def _snr_trace(cell: list[tuple[float, Point]], hz: float, j: int, n: int, legend: bool) -> Any:
    import plotly.graph_objects as go

    ys = np.array([p.value for _, p in cell])
    lo = np.array([p.ci_low if p.ci_low is not None else p.value for _, p in cell])
    hi = np.array([p.ci_high if p.ci_high is not None else p.value for _, p in cell])
    return go.Scatter(
        x=[snr for snr, _ in cell], y=ys, mode="lines+markers", name=f"{hz:g} Hz", legendgroup=f"{hz:g}",
        showlegend=legend, line={"color": _rate_colour(j, n)},
        marker={"symbol": list(style.PLOTLY_SYMBOLS.values())[j % len(style.PLOTLY_SYMBOLS)], "size": 7},
        error_y={"type": "data", "symmetric": False, "array": hi - ys, "arrayminus": ys - lo},
        hovertemplate=f"rate {hz:g} Hz<br>SNR %{{x}} dB<br>%{{y:.4g}}<extra></extra>",
    )  # fmt: skip


def _rate_colour(j: int, n: int) -> str:
    """Viridis, dark for the highest rate, as the static figure draws it."""
    import matplotlib
    from matplotlib.colors import to_hex

    return str(to_hex(matplotlib.colormaps["viridis"](0.85 * j / max(n - 1, 1))))


def _grid(titles: list[str], shared_y: bool, columns: int | None = None) -> tuple[Any, int]:
    """Panels wrapped into rows of at most layout.MAX_COLUMNS (the static figures' rule)."""
    from plotly.subplots import make_subplots

    cols = columns or columns_for(len(titles))
    rows = -(-len(titles) // cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, shared_xaxes="all",
                        shared_yaxes="all" if shared_y else False, horizontal_spacing=0.06,
                        vertical_spacing=min(0.12, 0.5 / rows))  # fmt: skip
    fig.for_each_xaxis(lambda a: a.update(showticklabels=True))
    return fig, cols


def _hz(p: Point) -> float:
    return p.requested_output_hz or p.requested_input_hz or 0.0


def _pareto_trace(pts: list[Point], x: str, series: Series, legend: bool) -> Any:
    import plotly.graph_objects as go

    ys = np.array([p.value for p in pts])
    lo = np.array([p.ci_low if p.ci_low is not None else p.value for p in pts])
    hi = np.array([p.ci_high if p.ci_high is not None else p.value for p in pts])
    return go.Scatter(
        # on a time axis a series' rates may cross in time: its points are not joined; hovering one names
        # its rate (plotly places point labels without avoiding each other: they would collide)
        x=[getattr(p, x) for p in pts], y=ys, mode="lines+markers" if x == "achieved_hz" else "markers",
        name=series.label, legendgroup=series.label, showlegend=legend,
        line={"color": series.colour, "dash": series.dash},
        marker={"color": series.colour, "size": 8, "symbol": style.PLOTLY_SYMBOLS.get(series.marker, "circle")},
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
            xs = [f"{hz:g} Hz" for hz in sorted(errors) for _ in errors[hz]]  # rate rises to the right
            ys = [100 * e for hz in sorted(errors) for e in errors[hz]]
            fig.add_trace(
                go.Box(x=xs, y=ys, name=series.label, legendgroup=series.label, showlegend=col == 1,
                       marker_color=series.colour, boxpoints="outliers",
                       marker_symbol=style.PLOTLY_SYMBOLS.get(series.marker, "circle"),
                       hovertemplate=f"<b>{series.label}</b><br>%{{x}}<br>error %{{y:.2f}}%<extra></extra>"),
                row=1, col=col,
            )  # fmt: skip
        order = [f"{hz:g} Hz" for hz in sorted({hz for _, x in groups for hz in rate_errors(x, side)})]
        fig.update_xaxes(title_text=f"requested {side} rate", categoryorder="array", categoryarray=order, row=1,
                         col=col)  # fmt: skip
        fig.update_yaxes(title_text="achieved / requested - 1 (%)", zeroline=True, row=1, col=col)
    fig.update_layout(boxmode="group")
    return _layout(fig, "Rate calibration: signed rate error per utterance", 1)


def latency_chart(groups: list[tuple[Series, list[SampleRecord]]], families: dict[str, str]) -> Chart | None:
    """t_total p50 by requested rate, a line per series, task family (a suite's noise conditions
    or languages pooled: `families`, study.py) and batch size, bars from p10 to p90; unstable cells (stability.py)
    hollow and grey."""
    import plotly.graph_objects as go

    lines: dict[tuple[Series, str, int], dict[float, list[float]]] = {}
    for series, samples in groups:
        for s in samples:
            hz = s.requested_output_hz or s.requested_input_hz
            if s.ok and hz and s.timings and s.timings.t_total is not None:
                key = (series, families.get(s.task, s.task), s.batch_size)
                lines.setdefault(key, {}).setdefault(hz, []).append(s.timings.t_total)
    if not lines:
        return None
    fig = go.Figure()
    for key, label, variant in latency_lines(lines):
        series = key[0]
        dash = series.dash if variant is None else style.LINE_STYLES[variant % len(style.LINE_STYLES)]
        fig.add_trace(_latency_trace(series, label, dash, lines[key]))
    fig.update_xaxes(title_text="requested rate (Hz)")
    fig.update_yaxes(title_text="t_total (s)", rangemode="tozero")
    return _layout(fig, "Latency by rate: t_total p50, bars p10 to p90, a line per series and task suite", 1)


def _latency_trace(series: Series, label: str, dash: str, by_rate: dict[float, list[float]]) -> Any:
    import plotly.graph_objects as go

    rates = sorted(by_rate)
    p10, p50, p90, p95 = (np.array([np.percentile(by_rate[r], q) for r in rates]) for q in (10, 50, 90, 95))
    unstable = unstable_cells({r: (float(a), float(b)) for r, a, b in zip(rates, p50, p95)})
    note = ["unstable: " + unstable[r] if r in unstable else "" for r in rates]
    return go.Scatter(
        x=rates, y=p50, mode="lines+markers", name=label,
        line={"color": series.colour, "dash": dash},
        marker={"color": [("#999" if r in unstable else series.colour) for r in rates], "size": 8,
                "symbol": [style.PLOTLY_SYMBOLS.get(series.marker, "circle") + ("-open" if r in unstable else "")
                           for r in rates]},
        error_y={"type": "data", "symmetric": False, "array": p90 - p50, "arrayminus": p50 - p10},
        customdata=[[label, f"{r:g}", len(by_rate[r]), p90[i], p95[i], note[i]] for i, r in enumerate(rates)],
        hovertemplate="<b>%{customdata[0]}</b><br>rate %{customdata[1]} Hz<br>t_total p50 %{y:.3f} s, p90 "
        "%{customdata[3]:.3f}, p95 %{customdata[4]:.3f}<br>n = %{customdata[2]}<br>%{customdata[5]}<extra></extra>",
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


def _layout(fig: Any, title: str, rows: int) -> Chart:
    """Title, a row height per row of panels, and the legend under the panels (outside the plot area)."""
    fig.update_layout(
        title={"text": title, "font": {"size": 14}}, template="plotly_white", height=120 + ROW_PIXELS * rows,
        margin={"l": 60, "r": 20, "t": 70, "b": 50},
        legend={"orientation": "h", "yanchor": "top", "y": -0.08 if rows > 1 else -0.2, "xanchor": "left", "x": 0},
    )  # fmt: skip
    return json.loads(fig.to_json())  # plain JSON: numpy arrays as lists
