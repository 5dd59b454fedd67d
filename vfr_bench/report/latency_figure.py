"""Latency-lab figure: time and speed-up against rate per architecture, with the roofline."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from vfr_bench.report import style


def lab_points(samples: list[dict]) -> dict[str, dict[float, dict[str, float]]]:
    """architecture -> output Hz -> t_total p50/p90/p95 and the roofline bound (batch size 1)."""
    groups: dict[tuple[str, float], list[dict]] = defaultdict(list)
    for s in samples:
        if s.get("status") == "ok" and s.get("latency") and s.get("batch_size", 1) == 1:
            groups[(s["model"], s["requested_output_hz"])].append(s)
    out: dict[str, dict[float, dict[str, float]]] = defaultdict(dict)
    for (model, hz), items in groups.items():
        totals = np.array([i["timings"]["t_total"] for i in items])
        bounds = [(i["latency"]["prefill_bound_s"] or 0) + i["latency"]["ar_bound_s"] for i in items
                  if i["latency"].get("ar_bound_s") is not None]
        out[model][hz] = {"p50": float(np.percentile(totals, 50)), "p90": float(np.percentile(totals, 90)),
                          "p95": float(np.percentile(totals, 95)), "bound": bounds[0] if bounds else None,
                          "n": len(items)}
    return out


def latency_figure(samples: list[dict], out_base: Path, title: str = "") -> dict:
    """Two panels: t_total (p50, whiskers to p95) with the roofline bound dashed; speed-up vs the
    highest rate with the ideal (rate ratio) dotted. Writes OUT_BASE.pdf and .png; returns the series."""
    import matplotlib.pyplot as plt

    points = lab_points(samples)
    fig, (ax_time, ax_speed) = plt.subplots(1, 2, figsize=style.DOUBLE_COLUMN_INCHES)
    series = {}
    for model in sorted(points):
        rates = sorted(points[model])
        p = [points[model][r] for r in rates]
        p50 = np.array([x["p50"] for x in p])
        err = np.array([[0.0] * len(p), [x["p95"] - x["p50"] for x in p]])
        c, m = style.colour(model), style.marker(model)
        f = style.face(model)
        ax_time.errorbar(rates, p50, yerr=err, color=c, marker=m, mfc=f, ms=4, lw=1.2, capsize=2, label=model)
        bounds = [x["bound"] for x in p]
        if all(b is not None for b in bounds):
            ax_time.plot(rates, bounds, color=c, ls="--", lw=0.8)
        top = rates[-1]
        speedup = p[-1]["p50"] / p50
        ax_speed.plot(rates, speedup, color=c, marker=m, mfc=f, ms=4, lw=1.2, label=model)
        ax_speed.plot(rates, [top / r for r in rates], color=c, ls=":", lw=0.8)
        series[model] = {"rates": rates, "t_total_p50": p50.tolist(), "speedup": speedup.tolist(), "bound": bounds}
    ax_time.set_xlabel("output rate (Hz)")
    ax_time.set_ylabel("t_total (s), p50, whisker to p95")
    ax_time.set_title("time per request; dashed: roofline bound")
    ax_speed.set_xlabel("output rate (Hz)")
    ax_speed.set_ylabel("speed-up vs highest rate")
    ax_speed.set_title("speed-up; dotted: ideal (rate ratio)")
    ax_time.legend(frameon=False)
    if title:
        fig.suptitle(title, fontsize=8)
    out_base.parent.mkdir(parents=True, exist_ok=True)
    for ext in ("pdf", "png"):
        fig.savefig(out_base.with_suffix(f".{ext}"))
    plt.close(fig)
    return series
