"""Modality pairs: accuracy of the same questions asked as text or speech and answered as text or
speech (T->T, S->T, T->S, S->S), a bar per series in each pair with its 95% CI, one panel per rate;
the speech gaps are in the modality table beside it (docs/analyses.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from vfr_bench.protocol import MODALITY_PAIRS
from vfr_bench.report.layout import grid, legend_below
from vfr_bench.report.series import Series

if TYPE_CHECKING:
    import pandas as pd


def modality_figure(table: pd.DataFrame, series: list[Series]) -> Any:
    """None where the table is empty. Panels: (suite, rate) pairs, highest rate first."""
    if table.empty:
        return None
    keys = sorted({(r.suite, r.rate) for r in table.itertuples()}, key=lambda k: (k[0], -_hz(k[1])))
    layout = grid(len(keys), sharey=True)
    fig, axes = layout.fig, layout.axes
    pairs = list(MODALITY_PAIRS.values())
    drawn = [s for s in series if s.label in set(table["label"])]
    width = 0.8 / max(len(drawn), 1)
    for ax, (suite, rate) in zip(axes, keys):
        rows = table[(table["suite"] == suite) & (table["rate"] == rate)]
        for j, s in enumerate(drawn):
            mine = rows[rows["label"] == s.label]
            if mine.empty:
                continue
            row = mine.iloc[0]
            y = np.array([_get(row, p) for p in pairs], dtype=float)
            low = np.array([_get(row, f"{p} ci_low", _get(row, p)) for p in pairs], dtype=float)
            high = np.array([_get(row, f"{p} ci_high", _get(row, p)) for p in pairs], dtype=float)
            x = np.arange(len(pairs)) + (j - (len(drawn) - 1) / 2) * width
            ax.bar(x, np.nan_to_num(y), width * 0.9, color=s.colour, label=s.label, gid=f"pairs:{s.label}")
            ax.errorbar(x, y, yerr=[np.nan_to_num(y - low), np.nan_to_num(high - y)], fmt="none", ecolor="0.45",
                        elinewidth=0.8, capsize=2)  # fmt: skip
        ax.set_xticks(range(len(pairs)), pairs)
        ax.set_ylim(0, 1.05)
        if layout.first_column(axes.index(ax)):
            ax.set_ylabel("QA accuracy")
        ax.set_title(f"{suite}, {rate} Hz")
    legend_below(fig, axes)
    return fig


def _get(row: Any, key: str, default: float = float("nan")) -> float:
    value = row.get(key) if hasattr(row, "get") else None
    return default if value is None or value != value else float(value)


def _hz(rate: str) -> float:
    try:
        return float(str(rate).split(":")[0])
    except ValueError:
        return 0.0
