"""Latency by rate: t_total, t_first_audio and t_ar per requested rate, one line per series, task
family (a suite's noise conditions or languages pooled: the title says so) and batch size (a
latency-lab sweep: the legend says "batch N" where it is not 1), p50 with a band from
p10 to p90 (so a slow outlier never sets the scale), and t_total's speed-up over each series'
highest rate (in "x") next to the ideal speed-up (the rate ratio: halving the rate would halve the
time), drawn over the data. A cell the stability rule (vfr_bench/stability.py) rejects is a hollow
grey mark off its line, named in the legend as unstable. Latency-lab runs also draw their roofline
bound (sparse dots, thin). Rate increases left to right; ticks fall at the rates that were run."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from vfr_bench.records import LabRecord, SampleRecord
from vfr_bench.report import style
from vfr_bench.report.fig_common import rate_ticks
from vfr_bench.report.latency_lines import latency_lines
from vfr_bench.report.layout import grid, legend_below
from vfr_bench.report.series import Series
from vfr_bench.stability import unstable_cells

TIMED = ("t_total", "t_first_audio", "t_ar")
IDEAL_LABEL = "ideal speed-up (rate ratio)"
BOUND_LABEL = "roofline bound"
UNSTABLE_LABEL = "unstable cell (p95/p50 or speed-up implausible): not a result"
BAND_GID = "p10-p90"


def latency_figure(
    groups: list[tuple[Series, list[SampleRecord]]], title: str = "", families: dict[str, str] | None = None
) -> tuple[Any, dict[str, dict[str, Any]]]:
    """The figure (None where nothing was timed) and, per line, what it shows (for tests). A line is
    a series on one task family (`families`: task -> the suite its noise conditions or languages
    were expanded from, study.py) at one batch size, labelled by the series alone where the study has
    one family and batch size 1; a speed-up compares rates at one batch size."""
    ok = [(series, [s for s in samples if s.ok]) for series, samples in groups]
    timings = [t for t in TIMED if any(getattr(s.timings, t) for _, samples in ok for s in samples)]
    if not timings:
        return None, {}
    layout = grid(len(timings) + 1, sharex=True, title=True, wide=True)
    fig, axes = layout.fig, layout.axes
    lines: dict[tuple[Series, str, int], dict[float, list[SampleRecord]]] = defaultdict(lambda: defaultdict(list))
    for series, samples in ok:
        for s in samples:
            hz = s.requested_output_hz or s.requested_input_hz
            if hz is not None:
                lines[(series, (families or {}).get(s.task, s.task), s.batch_size)][hz].append(s)
    drawn = {}
    for key, label, variant in latency_lines(lines):
        series = key[0]
        dash = series.line if variant is None else style.DASHES[style.LINE_STYLES[variant % 6]]
        look = {"color": series.colour, "marker": series.marker, "mfc": series.face, "ms": 4, "lw": 1.0, "ls": dash}
        drawn[label] = _line(axes, timings, lines[key], look, label)
    tasks = {s.task for _, samples in ok for s in samples}
    names = {family for _, family, _ in lines}
    pooled = "; a line pools its suite's noise conditions or languages" if len(tasks) > len(names) else ""
    for ax, timing in zip(axes, timings):
        ax.set_title(timing)
        ax.set_ylabel("seconds")
        ax.set_ylim(bottom=0)
    axes[-1].set_title("t_total speed-up")
    axes[-1].set_ylabel("speed-up (x)")
    axes[-1].yaxis.set_major_formatter("{x:g}x")
    axes[-1].set_ylim(bottom=0, top=max(_ideal_top(drawn), axes[-1].get_ylim()[1]) * 1.08)
    for i, ax in enumerate(axes):
        if layout.bottom_row(i):
            ax.set_xlabel("requested rate (Hz)")
    rate_ticks(axes[0], [hz for by_rate in lines.values() for hz in by_rate])
    legend_below(fig, axes)
    head = (title + ": " if title else "") + "p50 with a p10-p90 band; speed-up over each series' top rate"
    fig.suptitle(head + pooled, fontsize=7)
    return fig, drawn


def _line(
    axes: list[Any], timings: list[str], by_rate: dict[float, list[SampleRecord]], look: dict[str, Any], label: str
) -> dict:
    rates = sorted(by_rate)
    entry: dict[str, Any] = {"rates": rates}
    for ax, timing in zip(axes, timings):
        vals = {r: np.array([v for s in by_rate[r] if (v := getattr(s.timings, timing)) is not None]) for r in rates}
        xs = [r for r in rates if len(vals[r])]
        if not xs:
            continue
        p10, p50, p90, p95 = (np.array([np.percentile(vals[r], q) for r in xs]) for q in (10, 50, 90, 95))
        ax.fill_between(xs, p10, p90, color=look["color"], alpha=0.18, lw=0, gid=BAND_GID)
        ax.plot(xs, p50, label=label, **look)
        entry[f"{timing}_p50"] = p50.tolist()
        if timing == "t_total":
            _speedup(axes[-1], entry, xs, p50, p95, look, label)
            _bound(ax, entry, [by_rate[r][0] for r in xs], xs, look["color"])
    return entry


def _speedup(ax: Any, entry: dict[str, Any], xs: list[float], p50: np.ndarray, p95: np.ndarray, look: dict,
             label: str) -> None:  # fmt: skip
    """Speed-up over the top rate beside the ideal; unstable cells hollow and grey, off the line."""
    unstable = unstable_cells({hz: (float(a), float(b)) for hz, a, b in zip(xs, p50, p95)})
    entry["unstable"] = unstable
    entry["speedup"] = (p50[-1] / p50).tolist()
    entry["ideal"] = [xs[-1] / x for x in xs]
    shown = [np.nan if hz in unstable else v for hz, v in zip(xs, entry["speedup"])]  # the line breaks there
    ax.plot(xs, shown, label=label, **look)
    ax.plot(xs, entry["ideal"], color="0.2", ls=":", lw=1.1, label=IDEAL_LABEL, gid="ideal", zorder=5)
    for i, hz in enumerate(xs):
        if hz in unstable:
            ax.plot([hz], [min(entry["speedup"][i], 1.4 * entry["ideal"][0])], ls="none", marker=look["marker"],
                    mfc="none", color="0.5", ms=5, label=UNSTABLE_LABEL, gid="unstable")  # fmt: skip


def _bound(ax: Any, entry: dict[str, Any], firsts: list[SampleRecord], xs: list[float], colour: str) -> None:
    bounds = [_roofline(s) for s in firsts]
    if all(b is not None for b in bounds):
        entry["bound"] = bounds
        # sparse dots, thin: the line styles mark a series' task families and batch sizes
        ax.plot(xs, bounds, color=colour, ls=(0, (1, 3)), lw=0.8, label=BOUND_LABEL, gid="bound")


def _ideal_top(drawn: dict[str, dict[str, Any]]) -> float:
    tops = [max(e["ideal"]) for e in drawn.values() if e.get("ideal")]
    return max(tops) if tops else 1.0


def _roofline(sample: SampleRecord) -> float | None:
    """A latency-lab request's least possible time: prefill bound plus loop bound."""
    lab = sample.latency if isinstance(sample, LabRecord) else None
    if lab is None or lab.ar_bound_s is None:
        return None
    return lab.ar_bound_s + (lab.prefill_bound_s or 0.0)
