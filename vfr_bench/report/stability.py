"""When a latency cell is not a result: a (series, task, rate) cell whose p95 is several times its
p50 (the machine was busy for part of it), or whose speed-up over the series' highest rate is far
beyond the ideal one (the rate ratio: 51x measured against an ideal 2x, seen on a busy CPU), is
unstable. The latency figure draws it hollow and leaves it off its line; the tables print
"unstable" in its place. Both ask this one rule."""

from __future__ import annotations

SPREAD_LIMIT = 3.0  # p95 / p50
SPEEDUP_LIMIT = 1.5  # measured speed-up / ideal speed-up


def unstable_reason(p50: float, p95: float | None, speedup: float | None, ideal: float | None) -> str | None:
    """Why the cell is unstable, or None where it is a result."""
    if p50 <= 0:
        return "p50 of zero"
    if p95 is not None and p95 / p50 > SPREAD_LIMIT:
        return f"p95 is {p95 / p50:.1f}x p50"
    if speedup is not None and ideal and speedup > SPEEDUP_LIMIT * ideal:
        return f"speed-up {speedup:.1f}x against an ideal {ideal:.2g}x"
    return None


def unstable_cells(cells: dict[float, tuple[float, float | None]]) -> dict[float, str]:
    """Rate -> reason for one series' cells {rate Hz: (t_total p50, p95)}; speed-ups are taken
    against the highest rate's p50 (where that cell is itself stable)."""
    if not cells:
        return {}
    top = max(cells)
    top_p50, top_p95 = cells[top]
    out = {}
    top_reason = unstable_reason(top_p50, top_p95, None, None)
    if top_reason:
        out[top] = top_reason
    for hz, (p50, p95) in cells.items():
        if hz == top:
            continue
        speedup = None if top_reason or p50 <= 0 else top_p50 / p50
        reason = unstable_reason(p50, p95, speedup, top / hz)
        if reason:
            out[hz] = reason
    return out
