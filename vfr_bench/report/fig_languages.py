"""Languages: quality by language and rate for a multilingual study (a suite with `languages:`,
e.g. `multilingual-espeak@de`, `fleurs@es`). One panel per (suite, quality metric, series), rate
rising to the right, one line per language with 95% CI bars, each language its own colour and
marker (Okabe-Ito, fixed by the language's position in the study). The per-language Pareto panels
stay in the Pareto figure; this one puts the languages side by side so that their falls compare."""

from __future__ import annotations

from typing import Any

import numpy as np

from vfr_bench.metrics import get_metric
from vfr_bench.report import style
from vfr_bench.report.fig_common import quality_label, rate_ticks
from vfr_bench.report.layout import grid, legend_below
from vfr_bench.report.points import Point
from vfr_bench.report.study import Study

LINE_GID = "language-line"


def languages_figure(pts: list[Point], study: Study) -> Any:
    """None where no suite of the study has two or more languages with quality points."""
    families = set(study.language_families())
    mine = [p for p in pts if p.task in study.languages and study.languages[p.task].family in families]
    if not mine:
        return None
    order = list(dict.fromkeys(p.series.label for p in mine))
    panels = sorted({(study.languages[p.task].family, p.metric, p.series.label) for p in mine},
                    key=lambda k: (k[0], k[1], order.index(k[2])))  # fmt: skip
    languages = sorted({study.languages[p.task].language for p in mine})
    layout = grid(len(panels), sharex=True, sharey=len({m for _, m, _ in panels}) == 1, title=True)
    several = {"family": len({f for f, _, _ in panels}) > 1, "metric": len({m for _, m, _ in panels}) > 1,
               "series": len(order) > 1}  # fmt: skip
    for i, (ax, (family, metric, label)) in enumerate(zip(layout.axes, panels)):
        for k, language in enumerate(languages):
            where = (family, language)
            cell = [p for p in mine if (p.series.label, p.metric) == (label, metric) and _of(study, p) == where]
            _line(ax, cell, language, k)
        ax.set_title(_title(family, get_metric(metric).label, label, several))
        if layout.first_column(i) or len({m for _, m, _ in panels}) > 1:
            ax.set_ylabel(quality_label(metric))
        if layout.bottom_row(i):
            ax.set_xlabel("requested rate (Hz)")
    rate_ticks(layout.axes[0], [_hz(p) for p in mine])
    legend_below(layout.fig, layout.axes)
    if not several["family"]:
        layout.fig.suptitle(f"{panels[0][0]}: quality by language and rate", fontsize=8)
    return layout.fig


def _title(family: str, metric: str, label: str, several: dict[str, bool]) -> str:
    """What tells the panels apart, wrapped to a panel's width."""
    import textwrap

    parts = [text for key, text in (("family", family), ("metric", metric), ("series", label)) if several[key]]
    return textwrap.fill(", ".join(parts) or family, width=34)


def _line(ax: Any, cell: list[Point], language: str, k: int) -> None:
    if not cell:
        return
    cell = sorted(cell, key=_hz)
    xs = np.array([_hz(p) for p in cell])
    ys = np.array([p.value for p in cell])
    lo = np.array([p.ci_low if p.ci_low is not None else p.value for p in cell])
    hi = np.array([p.ci_high if p.ci_high is not None else p.value for p in cell])
    colour, marker = style.PALETTE[k % len(style.PALETTE)], style.MARKERS[k % len(style.MARKERS)]
    bars = ax.errorbar(xs, ys, yerr=[ys - lo, hi - ys], color=colour, marker=marker, ms=3.5, lw=1.0, capsize=1.5)
    bars.lines[0].set_gid(LINE_GID)
    ax.plot([], [], color=colour, marker=marker, ms=3.5, lw=1.0, label=language)  # its legend entry


def _of(study: Study, p: Point) -> tuple[str, str]:
    task = study.languages[p.task]
    return task.family, task.language


def _hz(p: Point) -> float:
    return p.requested_output_hz or p.requested_input_hz or 0.0
