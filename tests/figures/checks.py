"""Renderer checks for a figure as a paper prints it: saved with a plain savefig() (no tight bbox),
every drawn text inside the canvas, no two texts overlapping (tick labels included), and every
legend entry drawn differently from the others."""

from __future__ import annotations

from typing import Any

TOLERANCE = 1.0  # pixels
TICK_GAP = 3.0  # pixels between two tick labels of one axis, at least


def _drawn(fig: Any) -> Any:
    """Draw as a plain savefig() does (the figure's own size, constrained layout, no tight bbox) and
    return the renderer, so every extent is in the saved image's pixels (savefig at another dpi
    scales them all alike)."""
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def drawn_texts(fig: Any) -> list[Any]:
    """The texts the renderer draws: visible, non-empty, and for tick labels only the ticks in view."""
    from matplotlib.text import Text

    all_ticks = {id(t) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis) for t in
                 axis.get_ticklabels(minor=False) + axis.get_ticklabels(minor=True)}  # fmt: skip
    ticks = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis._update_ticks():  # the ticks this draw shows (matplotlib's own choice)
                ticks.update({id(tick.label1), id(tick.label2)})
    out = []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        if id(text) in all_ticks and id(text) not in ticks:
            continue
        if text.axes is not None and not text.axes.get_visible():
            continue
        out.append(text)
    return out


def check_figure(fig: Any) -> list[str]:
    """Problems found (an empty list for a figure fit for a paper)."""
    renderer = _drawn(fig)
    canvas = fig.bbox
    texts = drawn_texts(fig)
    boxes = [(t, t.get_window_extent(renderer)) for t in texts]
    problems = []
    for text, box in boxes:
        inside = canvas.x0 - TOLERANCE <= box.x0 and box.x1 <= canvas.x1 + TOLERANCE
        if not inside or box.y0 < canvas.y0 - TOLERANCE or box.y1 > canvas.y1 + TOLERANCE:
            problems.append(f"outside the canvas: {text.get_text()!r} {box.bounds}")
    for i, j in overlapping_pairs([box for _, box in boxes]):
        problems.append(f"overlapping: {boxes[i][0].get_text()!r} and {boxes[j][0].get_text()!r}")
    problems += [f"tick labels collide: {pair}" for pair in colliding_tick_labels(fig, renderer)]
    problems += legend_problems(fig)
    return problems


def overlapping_pairs(boxes: list[Any]) -> list[tuple[int, int]]:
    """Index pairs of boxes whose intersection is wider and taller than TOLERANCE (numpy: a figure
    of 24 panels draws hundreds of texts)."""
    import numpy as np

    if len(boxes) < 2:
        return []
    b = np.array([[x.x0, x.y0, x.x1, x.y1] for x in boxes])
    w = np.minimum(b[:, None, 2], b[None, :, 2]) - np.maximum(b[:, None, 0], b[None, :, 0])
    h = np.minimum(b[:, None, 3], b[None, :, 3]) - np.maximum(b[:, None, 1], b[None, :, 1])
    hit = np.triu((w > TOLERANCE) & (h > TOLERANCE), k=1)
    return [(int(i), int(j)) for i, j in zip(*np.nonzero(hit))]


def _overlap(a: Any, b: Any) -> float:
    """The smaller side of the intersection (0 where the boxes only touch)."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return min(w, h) if w > 0 and h > 0 else 0.0


def legend_problems(fig: Any) -> list[str]:
    """Legend entries that look alike (colour, marker, line style and face) under different labels."""
    out = []
    for legend in fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend()]:
        seen: dict[tuple, str] = {}
        for handle, text in zip(legend.legend_handles, legend.get_texts()):
            look = handle_look(handle)
            if look in seen:
                out.append(f"legend entries {seen[look]!r} and {text.get_text()!r} are drawn alike")
            seen.setdefault(look, text.get_text())
    return out


def handle_look(handle: Any) -> tuple:
    from matplotlib.colors import to_hex

    def colour(value: Any) -> str:
        try:
            return to_hex(value, keep_alpha=True)
        except (ValueError, TypeError):
            return str(value)

    import numpy as np

    if hasattr(handle, "get_marker"):
        face = colour(handle.get_markerfacecolor())
        return ("line", colour(handle.get_color()), str(handle.get_marker()), str(handle.get_linestyle()), face)

    colours = [colour(tuple(np.atleast_2d(getattr(handle, name)())[0])) for name in ("get_facecolor", "get_edgecolor")
               if hasattr(handle, name) and np.size(getattr(handle, name)())]  # fmt: skip
    return (type(handle).__name__, *colours, str(getattr(handle, "get_hatch", lambda: None)()))


def colliding_tick_labels(fig: Any, renderer: Any) -> list[str]:
    """Tick labels of one axis closer than TICK_GAP pixels (`56.25` reads as one number)."""
    out = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t.label1 for t in axis._update_ticks() if t.label1.get_visible() and t.label1.get_text()]
            boxes = [t.get_window_extent(renderer) for t in labels]
            for i in range(len(boxes) - 1):
                for j in range(i + 1, len(boxes)):
                    if _overlap(boxes[i].padded(TICK_GAP / 2), boxes[j].padded(TICK_GAP / 2)) > 0:
                        out.append(f"{labels[i].get_text()!r} and {labels[j].get_text()!r}")
    return out
