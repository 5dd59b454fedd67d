"""What the figures' axes share: axis labels from the metric registry and rate ticks as the user
typed the rates. Panel layout and the legend are in layout.py, point labels in labels.py."""

from __future__ import annotations

from typing import Any

from vfr_bench.metrics import get_metric


def quality_label(name: str) -> str:
    """A quality axis: the metric's display name and unit, and which way is better."""
    metric = get_metric(name)
    unit = f" ({metric.unit})" if metric.unit else ""
    arrow = "higher" if metric.higher_is_better else "lower"
    return f"{metric.label}{unit}, {arrow} is better"


def rate_text(hz: float | None) -> str:
    return "-" if hz is None else f"{hz:g}"


def rate_ticks(ax: Any, rates: list[float]) -> None:
    """Ticks at the rates that were run, labelled as the user typed them (4, 5, 6.25, 12.5); where
    two would collide (4 and 5 on a 4-25 Hz axis) the axis is drawn on a log scale, which spreads
    low rates apart."""
    ticks = sorted(set(rates))
    if crowded_rates(ticks):
        ax.set_xscale("log")
    ax.set_xticks(ticks, _thinned(ax, ticks))
    ax.minorticks_off()


def _thinned(ax: Any, ticks: list[float]) -> list[str]:
    """Tick labels, with a label left blank (its tick kept) where it would touch the one before it
    at the axis' width; the highest rate keeps its label."""
    import numpy as np
    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties

    points = FontProperties(size=rcParams["xtick.labelsize"]).get_size_in_points()  # "medium" -> 10
    inches = ax.get_position().width * ax.figure.get_figwidth()
    lo, hi = ticks[0], ticks[-1]
    if hi <= lo:
        return [rate_text(t) for t in ticks]
    scale = np.log if ax.get_xscale() == "log" else (lambda v: v)
    span = float(scale(hi) - scale(lo)) / 0.9  # the data fill about 90% of the axis
    centre = [float(scale(t) - scale(lo)) / span * inches for t in ticks]
    half = [(len(rate_text(t)) * points * 0.6 / 72 + 0.08) / 2 for t in ticks]
    keep = [True] * len(ticks)
    last = len(ticks) - 1
    for i in range(last - 1, -1, -1):  # from the top rate down: each label clear of the next kept one
        following = next(j for j in range(i + 1, len(ticks)) if keep[j])
        keep[i] = centre[i] + half[i] <= centre[following] - half[following]
    return [rate_text(t) if k else "" for t, k in zip(ticks, keep)]


def crowded_rates(rates: list[float]) -> bool:
    """Whether two of the rates run would crowd each other on a linear axis (4 and 5 on 4-25 Hz):
    the figures and the HTML charts then draw the rate axis on a log scale."""
    ticks = sorted(set(rates))
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    return len(ticks) > 2 and ticks[0] > 0 and min(gaps) < 0.09 * (ticks[-1] - ticks[0])
