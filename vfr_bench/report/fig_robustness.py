"""Robustness: quality against SNR for a study with noise conditions (`asr-noise`, or any suite run
with --noise). One panel per noise kind (and per series, where the study holds several; a row
each), one line per rate spec with 95% CI bars, and each rate's clean-speech value as a dotted line
of its colour. Rates are coloured in their order (viridis: dark is the highest rate), each with its
own marker. Axes are shared: the same metric and the same SNRs in every panel."""

from __future__ import annotations

from typing import Any

import numpy as np

from vfr_bench.metrics import get_metric
from vfr_bench.report.fig_common import quality_label, rate_text
from vfr_bench.report.layout import axis_labels, grid, legend_below
from vfr_bench.report.points import Point
from vfr_bench.report.study import Study

CLEAN_LABEL = "clean speech, same rate (dotted)"
CLEAN_GID = "clean-reference"
LINE_GID = "snr-line"
RATE_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def robustness_figure(pts: list[Point], study: Study) -> Any:
    """None where the study has no noise conditions with quality points."""
    noisy = [p for p in pts if p.task in study.noise]
    if not noisy:
        return None
    metrics = sorted({p.metric for p in noisy})
    panels = sorted(
        {(study.noise[p.task].family, p.metric, p.series.label, study.noise[p.task].kind) for p in noisy},
        key=lambda k: (k[0], metrics.index(k[1]), _series_order(noisy).index(k[2]), k[3]),
    )
    kinds = sorted({k for *_, k in panels})
    layout = grid(len(panels), sharex=True, sharey=len(metrics) == 1, columns=min(len(kinds), 3))
    rates = sorted({_hz(p) for p in noisy}, reverse=True)
    colours = _rate_colours(len(rates))
    several = len({label for _, _, label, _ in panels}) > 1
    families = len({f for f, *_ in panels}) > 1
    for i, (ax, (family, metric, label, kind)) in enumerate(zip(layout.axes, panels)):
        mine = [p for p in noisy if p.series.label == label and p.metric == metric]
        mine = [p for p in mine if (study.noise[p.task].family, study.noise[p.task].kind) == (family, kind)]
        for j, hz in enumerate(rates):
            cell = [(study.noise[p.task].snr_db, p) for p in mine if _hz(p) == hz]
            _rate_line(ax, cell, hz, colours[j], RATE_MARKERS[j % len(RATE_MARKERS)])
            _clean_line(ax, pts, study, mine, hz, colours[j])
        if not several or i < layout.columns:  # a row per series: its kinds named once, on top
            metric_text = f", {get_metric(metric).label}" if len(metrics) > 1 else ""
            ax.set_title((f"{family}: {kind}" if families else kind) + metric_text)
        if layout.first_column(i) and several:  # the series heads its row's y axis
            ax.set_ylabel(_wrapped(label, layout.fig.get_figheight() / (len(layout.axes) / layout.columns)))
    snrs = sorted({study.noise[p.task].snr_db for p in noisy})
    layout.axes[0].set_xticks(snrs, [f"{s:g}" for s in snrs])
    axis_labels(layout, "SNR (dB)", None)
    if several or len(metrics) > 1:
        layout.fig.supylabel(" / ".join(quality_label(m) for m in metrics), fontsize=8)
    else:
        for i, ax in enumerate(layout.axes):
            if layout.first_column(i):
                ax.set_ylabel(quality_label(metrics[0]))
    layout.axes[0].plot([], [], color="0.4", ls=":", lw=0.9, label=CLEAN_LABEL)
    legend_below(layout.fig, layout.axes)
    return layout.fig


def _rate_line(ax: Any, cell: list[tuple[float, Point]], hz: float, colour: Any, marker: str) -> None:
    """One rate's points (SNR, point) joined in SNR order, with their CIs."""
    if not cell:
        return
    cell = sorted(cell, key=lambda sp: sp[0])
    xs = np.array([snr for snr, _ in cell])
    ys = np.array([p.value for _, p in cell])
    lo = np.array([p.ci_low if p.ci_low is not None else p.value for _, p in cell])
    hi = np.array([p.ci_high if p.ci_high is not None else p.value for _, p in cell])
    bars = ax.errorbar(xs, ys, yerr=[ys - lo, hi - ys], color=colour, marker=marker, ms=3.5, lw=1.0, capsize=1.5)
    bars.lines[0].set_gid(LINE_GID)  # the joined points (the caps and bars are the container's others)
    ax.plot([], [], color=colour, marker=marker, ms=3.5, lw=1.0, label=f"{rate_text(hz)} Hz")  # its legend entry


def _clean_line(ax: Any, pts: list[Point], study: Study, mine: list[Point], hz: float, colour: Any) -> None:
    """The same series, metric and rate on the clean task of these conditions, dotted across."""
    cleans = {study.noise[p.task].clean for p in mine if _hz(p) == hz} - {None}
    if not cleans or not mine:
        return
    series, metric = mine[0].series, mine[0].metric
    for p in pts:
        if p.task in cleans and p.series == series and p.metric == metric and _hz(p) == hz:
            ax.axhline(p.value, color=colour, ls=":", lw=0.9, gid=CLEAN_GID)


def _wrapped(label: str, panel_inches: float) -> str:
    """A row's series label broken into lines that fit beside its panel, at the y label's font size
    (8 pt in the house style, 10 pt under matplotlib's defaults); a character is about 0.6 em wide."""
    import textwrap

    import matplotlib
    from matplotlib.font_manager import FontProperties

    points = FontProperties(size=matplotlib.rcParams["axes.labelsize"]).get_size_in_points()
    width = max(8, int(panel_inches * 72 / points / 0.6))
    return "\n".join(textwrap.wrap(label, width=width, break_long_words=True))


def _rate_colours(n: int) -> list[Any]:
    import matplotlib

    return [matplotlib.colormaps["viridis"](v) for v in np.linspace(0.0, 0.85, max(n, 1))]


def _series_order(pts: list[Point]) -> list[str]:
    out: list[str] = []
    for p in pts:
        if p.series.label not in out:
            out.append(p.series.label)
    return out


def _hz(p: Point) -> float:
    return p.requested_output_hz or p.requested_input_hz or 0.0
