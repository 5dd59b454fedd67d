"""Figure layout every report figure shares (and any new report section may use): small multiples
that wrap into rows of a few panels with shared axes where the quantity is the same, sized for a
one- or two-column paper, constrained layout (so a plain `savefig()` keeps every text), and one
legend under the panels that is measured to fit the figure's width."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vfr_bench.report import style

MAX_COLUMNS = 3  # panels per row on a two-column page: each stays wide enough for its ticks
PANEL_HEIGHT_INCHES = 1.9
MIN_PANEL_HEIGHT_INCHES = 1.15
PAGE_HEIGHT_INCHES = 8.0  # the panels of a figure with many rows shrink to fit a page
TITLE_INCHES = 0.25


@dataclass
class Grid:
    """A wrapped grid of panels: `axes` in reading order (the unused cells of the last row removed)."""

    fig: Any
    axes: list[Any]
    columns: int

    def bottom_row(self, index: int) -> bool:
        """Whether panel `index` has no panel under it (its x tick labels are drawn)."""
        return index + self.columns >= len(self.axes)

    def first_column(self, index: int) -> bool:
        return index % self.columns == 0


def columns_for(n: int) -> int:
    """Columns for n panels: all in one row up to MAX_COLUMNS, a 2 x 2 square for four."""
    if n <= MAX_COLUMNS:
        return max(1, n)
    return 2 if n == 4 else MAX_COLUMNS


def grid(
    n: int, sharex: bool = False, sharey: bool = False, title: bool = False, columns: int | None = None,
    wide: bool = False,
) -> Grid:  # fmt: skip
    """n panels in rows of at most MAX_COLUMNS (one column wide for one panel unless `wide`, two
    columns wide for more), rows PANEL_HEIGHT_INCHES tall (less where many rows would pass a page),
    with room for a title; legend_below() adds the legend's own height."""
    import matplotlib.pyplot as plt

    cols = columns or columns_for(n)
    rows = -(-n // cols)
    width = style.SINGLE_COLUMN_INCHES[0] if cols == 1 and not wide else style.DOUBLE_COLUMN_INCHES[0]
    panel = max(MIN_PANEL_HEIGHT_INCHES, min(PANEL_HEIGHT_INCHES, PAGE_HEIGHT_INCHES / rows))
    height = rows * panel + 0.35 + (TITLE_INCHES if title else 0.0)
    fig, axes = plt.subplots(
        rows, cols, figsize=(width, height), squeeze=False, layout="constrained",
        sharex="all" if sharex else "none", sharey="all" if sharey else "none",
    )  # fmt: skip
    flat = [ax for row in axes for ax in row]
    for ax in flat[n:]:
        ax.remove()
    kept = flat[:n]
    layout = Grid(fig, kept, cols)
    for i, ax in enumerate(kept):
        if sharex and not layout.bottom_row(i):
            ax.tick_params(labelbottom=False)
        elif sharex:
            ax.tick_params(labelbottom=True)
        if sharey and not layout.first_column(i):
            ax.tick_params(labelleft=False)
    return layout


def axis_labels(layout: Grid, xlabel: str, ylabel: str | None, shared_y: bool = True) -> None:
    """x label under the bottom row only; y label once for the figure where every panel shows the
    same quantity (`shared_y`), else on each panel of the first column."""
    for i, ax in enumerate(layout.axes):
        if layout.bottom_row(i):
            ax.set_xlabel(xlabel)
        if ylabel is not None and (not shared_y or layout.first_column(i)):
            ax.set_ylabel(ylabel)


def legend_below(fig: Any, axes: list[Any], max_columns: int | None = None) -> Any:
    """One legend for the figure, under the panels, each label once, in as many columns as fit the
    figure's width (estimated from the label lengths, then measured with the renderer and narrowed
    until it fits); the figure grows by the legend's height, so the panels keep theirs."""
    import matplotlib.pyplot as plt

    seen: dict[str, object] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if not label.startswith("_"):
                seen.setdefault(label, handle)
    if not seen:
        return None
    size = plt.rcParams["legend.fontsize"]
    points = size if isinstance(size, (int, float)) else 7.0
    longest = max(len(label) for label in seen)
    entry_inches = 0.45 + longest * points * 0.55 / 72  # handle and padding, then the text
    ncols = max(1, min(len(seen), int(fig.get_figwidth() * 0.95 // entry_inches), max_columns or len(seen)))
    renderer = fig.canvas.get_renderer()
    while True:
        legend = fig.legend(list(seen.values()), list(seen), loc="outside lower center", ncols=ncols, frameon=False)
        extent = legend.get_window_extent(renderer)
        if ncols == 1 or extent.width <= fig.bbox.width * 0.98:
            fig.set_figheight(fig.get_figheight() + extent.height / fig.dpi + 0.05)
            return legend
        legend.remove()
        ncols -= 1
