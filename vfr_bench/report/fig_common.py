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
    ax.set_xticks(ticks, [rate_text(r) for r in ticks])
    ax.minorticks_off()


def crowded_rates(rates: list[float]) -> bool:
    """Whether two of the rates run would crowd each other on a linear axis (4 and 5 on 4-25 Hz):
    the figures and the HTML charts then draw the rate axis on a log scale."""
    ticks = sorted(set(rates))
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    return len(ticks) > 2 and ticks[0] > 0 and min(gaps) < 0.09 * (ticks[-1] - ticks[0])
