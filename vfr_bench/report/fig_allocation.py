"""Token allocation: where a model spends its input units (docs/analyses.md).

Left: achieved Hz within speech (filled markers, solid) and within silence (hollow, dashed) against
the requested input rate, per series, with 95% CIs and the requested rate dotted: a uniform patcher
sits on the diagonal in both, a model that saves its units on silence drops below it there.
Right: per utterance, units per second of speech relative to the request against the speaking rate
(phones per second of speech), per series, with each series' Spearman rho (pooled over its rates)
in the legend. One task per figure: the caller picks it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from vfr_bench.report.fig_common import rate_ticks
from vfr_bench.report.layout import grid, legend_below
from vfr_bench.report.series import Series

if TYPE_CHECKING:
    import pandas as pd

SIDES = (("achieved_hz_speech", "speech", "-"), ("achieved_hz_silence", "silence", "--"))


def allocation_figure(summary: pd.DataFrame, scores: pd.DataFrame, series: list[Series], task: str) -> Any:
    """The figure for `task`, or None where no series has allocation rows there."""
    rows = summary[(summary["task"] == task) & summary["metric"].isin([m for m, _, _ in SIDES])]
    if rows.empty:
        return None
    pairs = utterance_pairs(scores[scores["task"] == task])
    layout = grid(2 if not pairs.empty else 1, title=True)
    fig, axes = layout.fig, layout.axes
    _rates_panel(axes[0], rows, series)
    if not pairs.empty:
        _speaking_rate_panel(axes[1], pairs, series)
    fig.suptitle(f"token allocation: {task}", fontsize="medium")
    legend_below(fig, axes)
    return fig


def utterance_pairs(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per (series, rate, sample): its Hz in speech relative to the request and its phones/s."""
    wanted = scores[scores["metric"].isin(["achieved_hz_speech", "speaking_rate_phones"]) & scores["value"].notna()]
    keys = ["label", "rate_spec", "requested_input_hz", "sample_id"]
    wide = wanted.pivot_table(index=keys, columns="metric", values="value", observed=True).reset_index()
    if not {"achieved_hz_speech", "speaking_rate_phones"} <= set(wide.columns):
        return wide.iloc[0:0]
    wide = wide.dropna(subset=["achieved_hz_speech", "speaking_rate_phones", "requested_input_hz"])
    wide["relative_hz"] = wide["achieved_hz_speech"] / wide["requested_input_hz"]
    return wide


def _rates_panel(ax: Any, rows: pd.DataFrame, series: list[Series]) -> None:
    rates: list[float] = []
    for s in series:
        mine = rows[rows["label"] == s.label]
        for metric, where, line in SIDES:
            part = mine[mine["metric"] == metric].dropna(subset=["requested_input_hz"])
            if part.empty:
                continue
            part = part.sort_values("requested_input_hz")
            x, y = part["requested_input_hz"].to_numpy(float), part["value"].to_numpy(float)
            low = y - part["ci_low"].fillna(part["value"]).to_numpy(float)
            high = part["ci_high"].fillna(part["value"]).to_numpy(float) - y
            face = s.colour if where == "speech" else "white"
            ax.errorbar(
                x, y, yerr=[low, high], color=s.colour, ls=line, marker=s.marker, mfc=face, mec=s.colour, ms=4,
                lw=1, capsize=2, label=f"{s.label}, {where}", gid=f"{where}:{s.label}",
            )  # fmt: skip
            rates += x.tolist()
    if rates:
        ends = [min(rates) * 0.9, max(rates) * 1.1]
        ax.plot(ends, ends, color="0.5", ls=":", lw=0.8, label="requested rate", gid="requested")
        rate_ticks(ax, rates)
    ax.set_xlabel("requested input rate (Hz)")
    ax.set_ylabel("achieved input Hz")
    ax.set_title("in speech and in silence (VAD)")


def _speaking_rate_panel(ax: Any, pairs: pd.DataFrame, series: list[Series]) -> None:
    from vfr_bench.stats import aggregate

    for s in series:
        mine = pairs[pairs["label"] == s.label]
        if mine.empty:
            continue
        x, y = mine["speaking_rate_phones"].to_numpy(float), mine["relative_hz"].to_numpy(float)
        rho = aggregate("spearman", y, y, x)
        text = f"{s.label} (rho {rho:+.2f})" if rho is not None else f"{s.label} (rho undefined)"
        ax.scatter(x, y, s=9, marker=s.marker, color=s.colour, alpha=0.7, label=text, gid=f"utterances:{s.label}")
    ax.axhline(1.0, color="0.5", ls=":", lw=0.8)
    ax.set_xlabel("speaking rate (phones/s of speech)")
    ax.set_ylabel("Hz in speech / requested")
    ax.set_title("per utterance, against speaking rate")
    ax.margins(x=0.08, y=0.15)
    if len(pairs):
        ax.set_ylim(bottom=min(0.0, float(np.nanmin(pairs["relative_hz"])) - 0.05))
