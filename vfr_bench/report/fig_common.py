"""What every figure shares: panel sizes for a paper, one legend that fits under the panels, axis
labels from the metric registry, and text labels placed so they never overlap or leave the axes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vfr_bench.metrics import get_metric
from vfr_bench.report import style

# offsets (points) tried in turn for a label beside its point: right, above, left, below, further out
OFFSETS = ((4, 2), (4, -7), (-4, 2), (-4, -7), (0, 6), (0, -10), (8, 8), (8, -13), (-8, 8), (-8, -13))


def panels(n: int) -> tuple[Any, list[Any]]:
    """n panels side by side: one column wide for one panel, two columns wide for more."""
    import matplotlib.pyplot as plt

    width = style.SINGLE_COLUMN_INCHES[0] if n == 1 else style.DOUBLE_COLUMN_INCHES[0]
    size = (width, style.DOUBLE_COLUMN_INCHES[1] + 0.4)
    fig, axes = plt.subplots(1, n, figsize=size, squeeze=False, layout="constrained")
    return fig, list(axes[0])


def legend_below(fig: Any, axes: list[Any]) -> Any:
    """One legend for the figure, under the panels, each label once, in as many columns as fit the
    figure's width at the style's legend font size."""
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
    fits = max(1, int(fig.get_figwidth() * 0.95 // entry_inches))
    return fig.legend(
        list(seen.values()), list(seen), loc="outside lower center", ncols=min(fits, len(seen)), frameon=False
    )


def quality_label(name: str) -> str:
    """A quality axis: the metric's display name and unit, and which way is better."""
    metric = get_metric(name)
    unit = f" ({metric.unit})" if metric.unit else ""
    return f"{metric.label}{unit}, {'higher' if metric.higher_is_better else 'lower'} is better"


def rate_text(hz: float | None) -> str:
    return "-" if hz is None else f"{hz:g}"


def rate_ticks(ax: Any, rates: list[float]) -> None:
    """Ticks at the rates that were run, labelled as the user typed them (12.5, 6.25, 5, 4)."""
    ticks = sorted(set(rates))
    ax.set_xticks(ticks, [rate_text(r) for r in ticks])
    ax.minorticks_off()


def place_labels(
    ax: Any, items: list[tuple[float, float, str, str]], gid: str, size: float = 6.0,
    obstacles: Sequence[tuple[float, float, float, float]] = (),
) -> list[Any]:  # fmt: skip
    """Small labels (x, y, text, colour) beside data points: each takes the first offset at which it
    overlaps no label placed before it and no obstacle (x0, y0, x1, y1 in data units: markers and
    their CI bars), and stays inside the axes; where none does, the offset with the least overlap.
    Returns the Text artists (gid set, so tests and users can find them)."""
    from matplotlib.transforms import Bbox

    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    fig.draw_without_rendering()  # final layout first: constrained layout moves the axes
    box = ax.get_window_extent(renderer)
    pad = 3.0  # pixels around a marker or a bar
    placed: list[Any] = []
    for x0, y0, x1, y1 in obstacles:
        (a, b), (c, d) = ax.transData.transform([(x0, y0), (x1, y1)])
        placed.append(Bbox.from_extents(min(a, c) - pad, min(b, d) - pad, max(a, c) + pad, max(b, d) + pad))
    labels: list[Any] = []
    texts = []
    for x, y, text, colour in items:
        best = None
        for dx, dy in OFFSETS:
            ha = "left" if dx > 0 else "right" if dx < 0 else "center"
            artist = ax.annotate(
                text, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=size, color=colour, ha=ha,
                va="bottom" if dy >= 0 else "top", gid=gid, annotation_clip=False,
            )  # fmt: skip
            extent = artist.get_window_extent(renderer)
            cost = sum(_overlap(extent, other) for other in placed + labels) + _outside(extent, box)
            if best is None or cost < best[0]:
                if best is not None:
                    best[1].remove()
                best = (cost, artist, extent)
            else:
                artist.remove()
            if cost == 0:
                break
        assert best is not None
        labels.append(best[2])
        texts.append(best[1])
    return texts


def _overlap(a: Any, b: Any) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def _outside(a: Any, box: Any) -> float:
    """Area of `a` outside `box`, weighted so leaving the axes costs more than touching a label."""
    inside = _overlap(a, box)
    return 10.0 * (a.width * a.height - inside)
