"""When a latency cell is not a result: a (series, task, rate) cell whose p95 is several times its
p50 (the machine was busy for part of it), or whose speed-up over the series' highest rate is far
beyond the ideal one (the rate ratio: 51x measured against an ideal 2x, seen on a busy CPU), is
unstable. The latency figure draws it hollow and leaves it off its line; the report's tables and the
latency lab's table print "unstable" in its place. All ask this one rule (a bottom-layer module, so
the report and the latency lab can both use it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

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


def unstable_in_summary(summary: pd.DataFrame) -> dict[tuple[str, str, int, str], str]:
    """(series label, task, batch size, rate spec) -> why its latency is not a result, from a tidy
    summary (vfr_bench.load's `summary`: t_total p50 and p95 per cell; the rate is the requested one).
    Speed-ups compare rates at one batch size."""
    rows = summary[summary["metric"].isin(["t_total_p50", "t_total_p95"])]
    if rows.empty:
        return {}
    cells: dict[tuple[str, str, int], dict[float, dict[str, float]]] = {}
    specs: dict[tuple[str, str, int, float], str] = {}
    for r in rows.itertuples():
        hz = next((h for h in (r.requested_output_hz, r.requested_input_hz) if h == h and h), None)  # NaN != NaN
        if hz is None:  # a cell without a requested rate (native) has no speed-up
            continue
        cell = (str(r.label), str(r.task), int(r.batch_size))
        cells.setdefault(cell, {}).setdefault(float(hz), {})[str(r.metric)] = float(r.value)
        specs[(*cell, float(hz))] = str(r.rate_spec)
    out = {}
    for cell, by_rate in cells.items():
        usable = {hz: (m["t_total_p50"], m.get("t_total_p95")) for hz, m in by_rate.items() if "t_total_p50" in m}
        for hz, reason in unstable_cells(usable).items():
            out[(*cell, specs[(*cell, hz)])] = reason
    return out
