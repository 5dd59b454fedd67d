"""Latency by rate: t_total, t_first_audio and t_ar per requested rate (p50, whisker to p95, tick at
p90) per series and task, and t_total's speed-up over each series' highest rate next to the ideal
speed-up (the rate ratio: halving the rate would halve the time). Latency-lab runs also draw their
roofline bound (dashed). Ticks fall at the rates that were run."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from vfr_bench.records import SampleRecord
from vfr_bench.report.fig_common import legend_below, panels, rate_ticks
from vfr_bench.report.series import Series

TIMED = ("t_total", "t_first_audio", "t_ar")
IDEAL_LABEL = "ideal speed-up (rate ratio)"
BOUND_LABEL = "roofline bound"
LINE_STYLES: tuple[Any, ...] = ("-", "-.", ":", (0, (5, 1)))


def latency_figure(
    groups: list[tuple[Series, list[SampleRecord]]], title: str = ""
) -> tuple[Any, dict[str, dict[str, Any]]]:
    """The figure (None where nothing was timed) and, per drawn line, what it shows (for tests)."""
    ok = [(series, [s for s in samples if s.ok and (s.batch_size or 1) == 1]) for series, samples in groups]
    timings = [t for t in TIMED if any(getattr(s.timings, t) for _, samples in ok for s in samples)]
    if not timings:
        return None, {}
    fig, axes = panels(len(timings) + 1)
    lines: dict[tuple[Series, str], dict[float, list[SampleRecord]]] = defaultdict(lambda: defaultdict(list))
    for series, samples in ok:
        for s in samples:
            hz = s.requested_output_hz or s.requested_input_hz
            if hz is not None:
                lines[(series, s.task)][hz].append(s)
    tasks = sorted({task for _, task in lines})
    drawn = {}
    for (series, task), by_rate in lines.items():
        label = series.label if len(tasks) == 1 else f"{series.label} / {task}"
        look = {"color": series.colour, "marker": series.marker, "mfc": series.face, "ms": 4, "lw": 1.0,
                "ls": LINE_STYLES[tasks.index(task) % len(LINE_STYLES)]}  # fmt: skip
        drawn[label] = _line(axes, timings, by_rate, look, label)
    rates = [hz for by_rate in lines.values() for hz in by_rate]
    for ax, timing in zip(axes, timings):
        ax.set_title(f"{timing} (s)")
    axes[-1].set_title("t_total speed-up vs top rate")
    for ax in axes:
        ax.set_xlabel("requested rate (Hz)")
        rate_ticks(ax, rates)
    legend_below(fig, axes)
    fig.suptitle((title + ": " if title else "") + "p50, whisker to p95, tick at p90", fontsize=7)
    return fig, drawn


def _line(
    axes: list[Any], timings: list[str], by_rate: dict[float, list[SampleRecord]], look: dict[str, Any], label: str
) -> dict[str, Any]:
    rates = sorted(by_rate)
    entry: dict[str, Any] = {"rates": rates}
    for ax, timing in zip(axes, timings):
        vals = [np.array([v for s in by_rate[r] if (v := getattr(s.timings, timing)) is not None]) for r in rates]
        keep = [i for i, v in enumerate(vals) if len(v)]
        if not keep:
            continue
        xs = [rates[i] for i in keep]
        p50, p90, p95 = (np.array([np.percentile(vals[i], q) for i in keep]) for q in (50, 90, 95))
        ax.errorbar(xs, p50, yerr=[np.zeros_like(p50), p95 - p50], capsize=2, label=label, **look)
        ax.plot(xs, p90, ls="none", marker="_", color=look["color"], ms=5)
        entry[f"{timing}_p50"] = p50.tolist()
        if timing != "t_total":
            continue
        bounds = [_roofline(by_rate[rates[i]][0]) for i in keep]
        if all(b is not None for b in bounds):
            entry["bound"] = bounds
            ax.plot(xs, bounds, color=look["color"], ls="--", lw=0.8, label=BOUND_LABEL)
        entry["speedup"] = (p50[-1] / p50).tolist()
        entry["ideal"] = [xs[-1] / x for x in xs]
        axes[-1].plot(xs, entry["speedup"], label=label, **look)
        axes[-1].plot(xs, entry["ideal"], color="0.45", ls=":", lw=0.9, label=IDEAL_LABEL, gid="ideal")
    return entry


def _roofline(sample: SampleRecord) -> float | None:
    """A latency-lab request's least possible time: prefill bound plus loop bound."""
    lab = sample.latency
    if lab is None or lab.ar_bound_s is None:
        return None
    return lab.ar_bound_s + (lab.prefill_bound_s or 0.0)
