"""Text labels beside data points that never overlap each other, a marker, an error bar or the axes'
edge: each label tries a ring of offsets around its point and takes the first free one; a label
with no free place is dropped (never drawn over another), and the caller is told how many were."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# offsets (points) tried in turn for a label beside its point: right, above, left, below, further out
OFFSETS = ((4, 2), (4, -7), (-4, 2), (-4, -7), (0, 6), (0, -10), (8, 8), (8, -13), (-8, 8), (-8, -13))
PAD_PIXELS = 3.0  # kept clear around a marker or a bar


@dataclass
class Placed:
    """The Text artists drawn (gid set, so tests and users can find them) and the labels dropped."""

    texts: list[Any] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def place_labels(
    ax: Any, items: list[tuple[float, float, str, str]], gid: str, size: float = 6.0,
    obstacles: Sequence[tuple[float, float, float, float]] = (), laid_out: Any = None,
) -> Placed:  # fmt: skip
    """Small labels (x, y, text, colour) beside data points: each takes the first offset at which it
    overlaps no label placed before it and no obstacle (x0, y0, x1, y1 in data units: markers and
    their CI bars) and stays inside the axes; a label that fits nowhere is dropped. The labels take
    no part in the layout (they lie inside the axes), so a figure laid out once (`laid_out`: that
    figure, after its draw_without_rendering()) keeps its axes where they were measured."""
    from matplotlib.transforms import Bbox

    if not items:
        return Placed()
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    if laid_out is not ax.figure:
        fig.draw_without_rendering()  # final layout first: constrained layout moves the axes
    box = ax.get_window_extent(renderer)
    taken: list[Any] = []
    for x0, y0, x1, y1 in obstacles:
        (a, b), (c, d) = ax.transData.transform([(x0, y0), (x1, y1)])
        pad = PAD_PIXELS
        taken.append(Bbox.from_extents(min(a, c) - pad, min(b, d) - pad, max(a, c) + pad, max(b, d) + pad))
    out = Placed()
    for x, y, text, colour in items:
        artist = _first_free(ax, renderer, box, taken, (x, y, text, colour), gid, size)
        if artist is None:
            out.dropped.append(text)
            continue
        taken.append(artist.get_window_extent(renderer))
        out.texts.append(artist)
    return out


def _first_free(ax: Any, renderer: Any, box: Any, taken: list[Any], item: tuple, gid: str, size: float) -> Any:
    x, y, text, colour = item
    for dx, dy in OFFSETS:
        ha = "left" if dx > 0 else "right" if dx < 0 else "center"
        artist = ax.annotate(
            text, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=size, color=colour, ha=ha,
            va="bottom" if dy >= 0 else "top", gid=gid, annotation_clip=False, in_layout=False,
        )  # fmt: skip
        extent = artist.get_window_extent(renderer)
        if _inside(extent, box) and not any(extent.overlaps(other) for other in taken):
            return artist
        artist.remove()
    return None


def _inside(a: Any, box: Any) -> bool:
    return box.x0 <= a.x0 and a.x1 <= box.x1 and box.y0 <= a.y0 and a.y1 <= box.y1
