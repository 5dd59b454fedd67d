"""Pareto figures: quality against achieved Hz or latency, one panel per (task, quality metric).

Each series (one model in one run) is a set of points with 95% CI bars. Its points are joined only
where the x order is the rate order (on a latency axis a model's rates can cross each other in
time; a line would zig-zag), and on a latency axis each point is labelled with its rate. The
frontier is dashed where a step is significant and drawn as a wide grey band where the two
frontier points lie within each other's CI (the data cannot tell them apart). Published numbers
are hollow markers numbered into the legend, drawn only on the task they were measured on; the
judge ceiling, where scored, is a dotted line with its CI shaded."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from vfr_bench.metrics import get_metric
from vfr_bench.records import SummaryRow
from vfr_bench.report.fig_common import quality_label, rate_text, rate_ticks
from vfr_bench.report.labels import place_labels
from vfr_bench.report.layout import grid, legend_below
from vfr_bench.report.pareto import pareto_mask
from vfr_bench.report.points import Point, ReportedPoint

X_AXES = {
    "achieved_hz": "achieved rate (Hz)",
    "t_total_p50": "t_total p50 (s)",
    "t_ar_p50": "t_ar p50 (s)",
}
FRONTIER_LABEL = "Pareto frontier"
OVERLAP_LABEL = "frontier step within the CIs"
CEILING_LABEL = "judge ceiling (95% CI)"
RATE_GID = "rate-label"
REPORTED_GID = "reported-label"


def pareto_figure(
    pts: list[Point], x: str = "achieved_hz", reported: list[ReportedPoint] | tuple = (),
    ceilings: list[SummaryRow] | tuple = (), skip_tasks: set[str] | frozenset[str] = frozenset(),
) -> Any:  # fmt: skip
    """A panel per (task, quality metric), wrapped into rows with the x axis shared (and the y axis
    where every panel shows one metric); tasks in `skip_tasks` (noise conditions, drawn against SNR
    by fig_robustness.py) are left out. None where there is nothing to draw."""
    pts = [p for p in pts if p.task not in skip_tasks and getattr(p, x) is not None]
    panels_ = sorted({(p.task, p.metric) for p in pts})
    if not panels_:
        return None
    one_metric = len({name for _, name in panels_}) == 1
    layout = grid(len(panels_), sharex=True, sharey=one_metric)
    fig, axes = layout.fig, layout.axes
    numbered = _number_reported(reported, panels_) if x == "achieved_hz" else {}
    for ax, (task, name) in zip(axes, panels_):
        cell = [p for p in pts if p.task == task and p.metric == name]
        _panel(ax, cell, name, x)
        for row in ceilings:
            if (row.task, row.metric) == (task, name):
                _ceiling(ax, row)
        for number, r in numbered.get((task, name), []):
            ax.plot([r.output_hz], [r.value], ls="none", marker=_marker(r, cell), mfc="none", color="0.2", ms=5,
                    label=f"[{number}] reported: {r.source}, {r.model} at {rate_text(r.output_hz)} Hz")  # fmt: skip
        ax.set_title(task if one_metric else f"{task}: {get_metric(name).label}")
    if x == "achieved_hz":
        shown = [h for p in pts if (h := _hz(p)) is not None]
        shown += [r.output_hz for marks in numbered.values() for _, r in marks]
        rate_ticks(axes[0], shown)  # the x axis is shared: one set of ticks
    for i, (ax, (_, name)) in enumerate(zip(axes, panels_)):
        if layout.bottom_row(i):
            ax.set_xlabel(X_AXES[x])
        if not one_metric or layout.first_column(i):
            ax.set_ylabel(quality_label(name))
    legend_below(fig, axes)
    fig.draw_without_rendering()  # the final layout, once: labels are placed in it
    for ax, (task, name) in zip(axes, panels_):
        labels = [(r.output_hz, r.value, f"[{n}]", "0.2") for n, r in numbered.get((task, name), [])]
        if x != "achieved_hz":
            labels += [(getattr(p, x), p.value, rate_text(_hz(p)), p.series.colour) for p in _in(pts, task, name, x)]
        gid = RATE_GID if x != "achieved_hz" else REPORTED_GID
        place_labels(ax, labels, gid=gid, obstacles=_obstacles(_in(pts, task, name, x), x), laid_out=fig)
    return fig


def _obstacles(cell: list[Point], x: str) -> list[tuple[float, float, float, float]]:
    """Each point's marker and CI bar, which a label must not cover."""
    out = []
    for p in cell:
        cost = getattr(p, x)
        out.append((cost, p.value, cost, p.value))
        if p.ci_low is not None and p.ci_high is not None:
            out.append((cost, p.ci_low, cost, p.ci_high))
    return out


def _in(pts: list[Point], task: str, name: str, x: str) -> list[Point]:
    return [p for p in pts if p.task == task and p.metric == name and getattr(p, x) is not None]


def _hz(p: Point) -> float | None:
    return p.requested_output_hz or p.requested_input_hz


def _panel(ax: Any, cell: list[Point], name: str, x: str) -> None:
    cost = np.array([getattr(p, x) for p in cell], dtype=float)
    quality = np.array([p.value for p in cell], dtype=float)
    on_front = pareto_mask(cost, quality, bool(get_metric(name).higher_is_better))
    by_series: dict[Any, list[int]] = defaultdict(list)
    for i, p in enumerate(cell):
        by_series[p.series].append(i)
    for series, idx in by_series.items():
        idx = sorted(idx, key=lambda i: _hz(cell[i]) or 0.0)
        look = {"color": series.colour, "marker": series.marker, "mfc": series.face, "ms": 4}
        if len(idx) > 1 and bool(np.all(np.diff(cost[idx]) > 0)):  # x order is the rate order
            ax.plot(cost[idx], quality[idx], color=series.colour, ls=series.line, lw=1.0, gid="rate-order-line")
        for i in idx:
            p = cell[i]
            err = None if p.ci_low is None or p.ci_high is None else [[p.value - p.ci_low], [p.ci_high - p.value]]
            ax.errorbar([cost[i]], [p.value], yerr=err, capsize=2, lw=0.8, alpha=1.0 if on_front[i] else 0.35,
                        ls="none", **look)  # fmt: skip
        ax.plot([], [], ls=series.line, lw=1.0, label=series.label, **look)  # one legend entry per series
    _frontier(ax, [cell[i] for i in np.flatnonzero(on_front)], x)


def _frontier(ax: Any, front: list[Point], x: str) -> None:
    """Steps between frontier points in cost order: dashed where the quality CIs are apart, a grey
    band where they overlap (the step is inside the noise)."""
    front = sorted(front, key=lambda p: getattr(p, x))
    xs = [getattr(p, x) for p in front]
    ys = [p.value for p in front]
    ax.plot(xs, ys, color="0.3", ls="--", lw=0.8, label=FRONTIER_LABEL, drawstyle="steps-post", gid="frontier")
    for a, b in zip(front, front[1:]):
        if getattr(a, x) != getattr(b, x) and _cis_overlap(a, b):
            ax.plot([getattr(a, x), getattr(b, x)], [a.value, b.value], color="0.6", lw=4, alpha=0.35,
                    solid_capstyle="round", label=OVERLAP_LABEL, gid="frontier-overlap")  # fmt: skip


def _cis_overlap(a: Point, b: Point) -> bool:
    """Each point lies within the other's CI (where both have one)."""
    if None in (a.ci_low, a.ci_high, b.ci_low, b.ci_high):
        return False
    assert a.ci_low is not None and a.ci_high is not None and b.ci_low is not None and b.ci_high is not None
    return a.ci_low <= b.value <= a.ci_high or b.ci_low <= a.value <= b.ci_high


def _ceiling(ax: Any, row: SummaryRow) -> None:
    ax.axhline(row.value, color="0.35", ls=":", lw=0.9, label=CEILING_LABEL, gid="judge-ceiling")
    if row.ci_low is not None and row.ci_high is not None:
        ax.axhspan(row.ci_low, row.ci_high, color="0.85", alpha=0.5, lw=0, gid="judge-ceiling-ci")


def _number_reported(
    reported: list[ReportedPoint] | tuple, panels_: list[tuple[str, str]]
) -> dict[tuple[str, str], list[tuple[int, ReportedPoint]]]:
    """Published numbers on the panel of their own task and metric only, and only where they were made
    with the metric's recipe (if it names one), numbered 1..n across the figure."""
    out: dict[tuple[str, str], list[tuple[int, ReportedPoint]]] = defaultdict(list)
    number = 0
    for r in reported:
        if (r.task, r.metric) in panels_ and _same_recipe(r):
            number += 1
            out[(r.task, r.metric)].append((number, r))
    return out


def _same_recipe(r: ReportedPoint) -> bool:
    """A metric that names its recipe (`wer`: kimi-audio-evalkit@<commit>) is drawn beside published
    numbers of that recipe only; a number whose recipe is not known is not drawn beside it."""
    try:
        recipe = get_metric(r.metric).describe().get("recipe")
    except Exception:  # a plug-in's provenance that needs a scoring context: no recipe to match
        return True
    return recipe is None or r.recipe == str(recipe).split("@")[0]


def _marker(r: ReportedPoint, cell: list[Point]) -> str:
    """A published model's marker where one of the measured series is that model, else a diamond."""
    for p in cell:
        if r.model.startswith(p.series.model) or p.series.model.startswith(r.model):
            return p.series.marker
    return "D"
