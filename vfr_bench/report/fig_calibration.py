"""Rate calibration: is the rate asked for the rate achieved? Per side (input, output), the signed
rate error of each utterance (achieved / requested - 1) per requested rate, one box per series
(IQR, median, whiskers from p5 to p95, beyond them each utterance), one colour per series, the
zero line, and each box's p95 |error| marked with a small triangle at the side it falls on. Rate
increases left to right. Each box pools the series' tasks; where several tasks read the same
utterances (noise conditions of one suite, a suite and its noisy copy) the title says so: an
utterance then counts once per task, as each is its own request."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np

from vfr_bench.records import SampleRecord
from vfr_bench.report.fig_common import rate_text
from vfr_bench.report.layout import grid, legend_below
from vfr_bench.report.series import Series

P95_GID = "p95-abs-error"


def calibration_figure(groups: list[tuple[Series, list[SampleRecord]]]) -> Any:
    """None where no sample has an achieved rate (nothing to calibrate)."""
    sides = [s for s in ("input", "output") if any(rate_errors(samples, s) for _, samples in groups)]
    if not sides:
        return None
    layout = grid(len(sides), sharey=True, title=True, wide=len(groups) > 2)
    for ax, side in zip(layout.axes, sides):
        _panel(ax, groups, side)
    layout.axes[0].set_ylabel("rate error (%)")
    legend_below(layout.fig, layout.axes)
    note = textwrap.fill(pooling_note(groups), width=int(layout.fig.get_figwidth() * 15))
    layout.fig.suptitle(note, fontsize=7)
    return layout.fig


def pooling_note(groups: list[tuple[Series, list[SampleRecord]]]) -> str:
    """What a box pools: its tasks, and whether tasks share their utterances (counted per task)."""
    tasks = sorted({s.task for _, samples in groups for s in samples if s.ok})
    in_tasks: dict[str, set[str]] = {}
    for _, samples in groups:
        for s in samples:
            if s.ok:
                in_tasks.setdefault(s.sample_id, set()).add(s.task)
    plural = "s" if len(tasks) != 1 else ""
    base = f"achieved / requested - 1; box IQR, whiskers p5-p95; each box pools {len(tasks)} task{plural}"
    shared = sum(1 for found in in_tasks.values() if len(found) > 1)
    if shared:
        return base + f"; {shared} utterances are read by several tasks (counted once per task)"
    return base


def rate_errors(samples: list[SampleRecord], side: str) -> dict[float, list[float]]:
    """Requested Hz -> signed errors (achieved / requested - 1) of the ok samples that have both rates
    (the static figure and the HTML chart alike)."""
    out: dict[float, list[float]] = {}
    for r in samples:
        req, ach = getattr(r, f"requested_{side}_hz"), getattr(r, f"achieved_{side}_hz")
        if r.ok and req and ach is not None:
            out.setdefault(req, []).append(ach / req - 1)
    return out


def _panel(ax: Any, groups: list[tuple[Series, list[SampleRecord]]], side: str) -> None:
    per_series = [(series, rate_errors(samples, side)) for series, samples in groups]
    per_series = [(s, e) for s, e in per_series if e]
    rates = sorted({hz for _, errors in per_series for hz in errors})
    slot = 0.8 / len(per_series)
    for j, (series, errors) in enumerate(per_series):
        keys = [hz for hz in rates if hz in errors]
        positions = [rates.index(hz) + (j - (len(per_series) - 1) / 2) * slot for hz in keys]
        data = [100 * np.array(errors[hz]) for hz in keys]
        box = ax.boxplot(
            data, positions=positions, widths=slot * 0.85, patch_artist=True, manage_ticks=False, whis=(5, 95),
            flierprops={"markersize": 1.5, "markeredgecolor": series.colour}, medianprops={"color": "black", "lw": 0.8},
        )  # fmt: skip
        for patch in box["boxes"]:
            patch.set(facecolor=series.colour, alpha=0.75, edgecolor=series.colour, gid=f"box:{series.label}")
        for pos, values in zip(positions, data):
            p95 = float(np.percentile(np.abs(values), 95))
            sign = 1.0 if np.percentile(values, 95) >= -np.percentile(values, 5) else -1.0
            ax.plot([pos], [sign * p95], marker="v" if sign > 0 else "^", ms=3, color="black", ls="none",
                    gid=P95_GID)  # fmt: skip
        medians = [float(np.median(values)) for values in data]  # the series' marker on each median
        ax.plot(positions, medians, ls="none", marker=series.marker, ms=3, mfc=series.face, mec="black", mew=0.4,
                gid="median-marker")  # fmt: skip
        ax.plot([], [], ls="none", marker=series.marker, ms=6, color=series.colour, mfc=series.face,
                mec=series.colour, label=series.label)  # fmt: skip
    ax.axhline(0.0, color="0.3", lw=0.8, ls="-", zorder=0, gid="zero")
    ax.plot([], [], marker="v", ms=3, color="black", ls="none", label="p95 |error|")
    ax.set_xticks(range(len(rates)), [rate_text(r) for r in rates])
    ax.set_xlim(-0.6, len(rates) - 0.4)
    ax.set_xlabel(f"requested {side} rate (Hz)")
    ax.set_title(f"{side} rate")
