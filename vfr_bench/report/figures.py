"""The report's figures. Each function returns a matplotlib Figure (the caller saves and closes it);
every series carries its model in its label, so tests and users can read the data back."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from vfr_bench.metrics import get_metric
from vfr_bench.records import SampleRecord
from vfr_bench.report import style
from vfr_bench.report.pareto import pareto_mask
from vfr_bench.report.points import Point, ReportedPoint

X_AXES = {
    "achieved_hz": "achieved Hz (output where the task speaks, else input)",
    "t_total_p50": "t_total p50 (s)",
    "t_ar_p50": "t_ar p50 (s)",
}
FRONTIER_LABEL = "Pareto frontier"
TIMED = ("t_total", "t_first_audio", "t_ar")


def _panels(n: int) -> tuple[Any, list[Any]]:
    import matplotlib.pyplot as plt

    width = style.SINGLE_COLUMN_INCHES[0] if n == 1 else style.DOUBLE_COLUMN_INCHES[0]
    size = (width, style.DOUBLE_COLUMN_INCHES[1] + 0.4)
    fig, axes = plt.subplots(1, n, figsize=size, squeeze=False, layout="constrained")
    return fig, list(axes[0])


def _legend_below(fig: Any, axes: list[Any]) -> None:
    """One legend for the figure, under the panels, each label once."""
    seen: dict[str, object] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            seen.setdefault(label, handle)
    if seen:
        where = "outside lower center"
        fig.legend(list(seen.values()), list(seen), loc=where, ncols=min(3, len(seen)), frameon=False, fontsize=5)


# ---- Pareto: quality against rate or latency ----------------------------------------------------------


def pareto_figure(pts: list[Point], x: str = "achieved_hz", reported: list[ReportedPoint] | tuple = ()) -> Any:
    """One panel per (task, quality metric): quality against achieved Hz or latency, one point per
    (model, rate) with CI bars, a controllable model's points joined in rate order, the frontier
    drawn and dominated points faded; published numbers as hollow, labelled markers."""
    panels = sorted({(p.task, p.metric) for p in pts if getattr(p, x) is not None})
    if not panels:
        return None
    fig, axes = _panels(len(panels))
    for ax, (task, name) in zip(axes, panels):
        cell = [p for p in pts if p.task == task and p.metric == name and getattr(p, x) is not None]
        _pareto_panel(ax, cell, name, x)
        if x == "achieved_hz":
            _overlay_reported(ax, [r for r in reported if r.metric == name])
        metric = get_metric(name)
        ax.set_xlabel(X_AXES[x])
        ax.set_ylabel(f"{metric.label} ({'higher' if metric.higher_is_better else 'lower'} is better)")
        ax.set_title(task)
    _legend_below(fig, axes)
    return fig


def _pareto_panel(ax: Any, cell: list[Point], name: str, x: str) -> None:
    cost = np.array([getattr(p, x) for p in cell])
    quality = np.array([p.value for p in cell])
    on_front = pareto_mask(cost, quality, bool(get_metric(name).higher_is_better))
    by_model: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(cell):
        by_model[p.model].append(i)
    for model, idx in sorted(by_model.items()):
        idx = sorted(idx, key=lambda i: -(cell[i].requested_output_hz or cell[i].requested_input_hz or 0))
        colour, marker = style.colour(model), style.marker(model)
        ax.plot(cost[idx], quality[idx], color=colour, lw=1.0, label=model)  # joined in rate order
        for i in idx:
            p = cell[i]
            err = None if p.ci_low is None or p.ci_high is None else [[p.value - p.ci_low], [p.ci_high - p.value]]
            alpha = 1.0 if on_front[i] else 0.35
            ax.errorbar(
                [cost[i]], [p.value], yerr=err, color=colour, marker=marker, ms=4, capsize=2, lw=0.8, alpha=alpha
            )
    front = np.argsort(cost[on_front])
    xs, ys = cost[on_front][front], quality[on_front][front]
    ax.plot(xs, ys, color="0.3", ls="--", lw=0.8, label=FRONTIER_LABEL, drawstyle="steps-post")


def _overlay_reported(ax: Any, reported: list[ReportedPoint]) -> None:
    for r in reported:
        label = f"reported: {r.source}, {r.model}"
        colour, marker = style.colour(r.model), style.marker(r.model)
        ax.plot([r.output_hz], [r.value], ls="none", marker=marker, mfc="none", color=colour, ms=5, label=label)
        ax.annotate(r.task, (r.output_hz, r.value), fontsize=4, textcoords="offset points", xytext=(3, -2))


# ---- rate calibration -------------------------------------------------------------------------------


def calibration_figure(samples: list[SampleRecord]) -> Any:
    """Requested vs achieved Hz per utterance, input and output: boxes per (model, rate), the
    identity line, and each model's mean |rate error| printed."""
    sides = [s for s in ("input", "output") if any(getattr(r, f"achieved_{s}_hz") is not None for r in samples)]
    if not sides:
        return None
    fig, axes = _panels(len(sides))
    models = sorted({r.model for r in samples})
    for ax, side in zip(axes, sides):
        _calibration_panel(ax, samples, models, side)
    _legend_below(fig, axes)
    return fig


def _calibration_panel(ax: Any, samples: list[SampleRecord], models: list[str], side: str) -> None:
    values: dict[tuple[str, float], list[float]] = defaultdict(list)
    errors: dict[str, list[float]] = defaultdict(list)
    for r in samples:
        req, ach = getattr(r, f"requested_{side}_hz"), getattr(r, f"achieved_{side}_hz")
        if r.ok and req is not None and ach is not None:
            values[(r.model, req)].append(ach)
            errors[r.model].append(abs(ach / req - 1))
    rates = sorted({k[1] for k in values})
    if not rates:
        return
    width = 0.8 * (min(np.diff(rates)) if len(rates) > 1 else 1.0) / max(1, len(models))
    for j, model in enumerate(models):
        keys = [(model, r) for r in rates if (model, r) in values]
        if not keys:
            continue
        positions = [r + (j - (len(models) - 1) / 2) * width for _, r in keys]
        box = ax.boxplot(
            [values[k] for k in keys], positions=positions, widths=width * 0.9, patch_artist=True,
            manage_ticks=False, showfliers=True, flierprops={"markersize": 2},
        )  # fmt: skip
        for patch in box["boxes"]:
            patch.set(facecolor=style.colour(model), alpha=0.6, label=model)
    lo, hi = min(rates) * 0.8, max(rates) * 1.1
    ax.plot([lo, hi], [lo, hi], color="0.4", ls=":", lw=0.8, label="identity")
    text = "\n".join(f"{m}: mean |err| {np.mean(errors[m]):.1%}" for m in models if errors[m])
    ax.text(0.03, 0.97, text, transform=ax.transAxes, va="top", fontsize=5, gid="mean-abs-error")
    ax.set_xlabel(f"requested {side} Hz")
    ax.set_ylabel(f"achieved {side} Hz (per utterance)")
    ax.set_title(f"{side} rate")


# ---- latency by rate ----------------------------------------------------------------------------------


def latency_figure(samples: list[SampleRecord], title: str = "") -> tuple[Any, dict[str, dict[str, Any]]]:
    """t_total, t_first_audio and t_ar by rate (p50, whiskers to p90 and p95) per model and task,
    and t_total's speed-up over each one's highest rate. Latency-lab runs also get their roofline
    bound (dashed) and, in the speed-up panel, the ideal rate ratio (dotted)."""
    ok = [s for s in samples if s.ok and (s.batch_size or 1) == 1]
    timings = [t for t in TIMED if any(getattr(s.timings, t) for s in ok)]
    if not timings:
        return None, {}
    fig, axes = _panels(len(timings) + 1)
    groups: dict[tuple[str, str], dict[float, list[SampleRecord]]] = defaultdict(lambda: defaultdict(list))
    for s in ok:
        hz = s.requested_output_hz or s.requested_input_hz
        if hz is not None:
            groups[(s.model, s.task)][hz].append(s)
    tasks = sorted({k[1] for k in groups})
    series = {}
    for (model, task), by_rate in sorted(groups.items()):
        label = model if len(tasks) == 1 else f"{model} / {task}"
        look = {"color": style.colour(model), "marker": style.marker(model), "mfc": style.face(model), "ms": 4,
                "lw": 1.0, "ls": ["-", "-.", ":", (0, (5, 1))][tasks.index(task) % 4]}  # fmt: skip
        series[label] = _latency_series(axes, timings, by_rate, look, label)
    for ax, timing in zip(axes, timings):
        ax.set_xlabel("requested rate (Hz)")
        ax.set_title(f"{timing} (s)")
    axes[-1].set_xlabel("requested rate (Hz)")
    axes[-1].set_title("t_total speed-up vs highest rate")
    _legend_below(fig, axes)
    fig.suptitle((title + ": " if title else "") + "p50, whisker to p95, tick at p90", fontsize=7)
    return fig, series


def _latency_series(
    axes: list[Any], timings: list[str], by_rate: dict[float, list[SampleRecord]], look: dict[str, Any], label: str
) -> dict[str, Any]:
    rates = sorted(by_rate)
    entry: dict[str, Any] = {"rates": rates}
    for ax, timing in zip(axes, timings):
        vals = [np.array([v for s in by_rate[r] if (v := getattr(s.timings, timing)) is not None]) for r in rates]
        keep = [i for i, v in enumerate(vals) if len(v)]
        if not keep:
            continue
        xs = [rates[i] for i in keep]
        p50, p90, p95 = (np.array([np.percentile(vals[i], q) for i in keep]) for q in (50, 90, 95))
        ax.errorbar(xs, p50, yerr=[np.zeros_like(p50), p95 - p50], capsize=2, label=label, **look)
        ax.plot(xs, p90, ls="none", marker="_", color=look["color"], ms=5)
        entry[f"{timing}_p50"] = p50.tolist()
        if timing != "t_total":
            continue
        bounds = [_roofline(by_rate[rates[i]][0]) for i in keep]
        if all(b is not None for b in bounds):
            entry["bound"] = bounds
            ax.plot(xs, bounds, color=look["color"], ls="--", lw=0.8)
        entry["speedup"] = (p50[-1] / p50).tolist()
        axes[-1].plot(xs, entry["speedup"], label=label, **look)
        if "bound" in entry:
            axes[-1].plot(xs, [xs[-1] / x for x in xs], color=look["color"], ls=":", lw=0.8)
    return entry


def _roofline(sample: SampleRecord) -> float | None:
    """A latency-lab request's least possible time: prefill bound plus loop bound."""
    lab = sample.latency
    if lab is None or lab.ar_bound_s is None:
        return None
    return lab.ar_bound_s + (lab.prefill_bound_s or 0.0)
