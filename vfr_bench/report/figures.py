"""The report's figures. Each function returns a matplotlib Figure (the caller saves and closes it);
every series carries its model in its label, so tests and users can read the data back."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from vfr_bench.metrics import get_metric
from vfr_bench.report import style
from vfr_bench.report.pareto import pareto_mask
from vfr_bench.report.points import Point, ReportedPoint

X_AXES = {
    "achieved_hz": "achieved Hz (output where the task speaks, else input)",
    "t_total_p50": "t_total p50 (s)",
    "t_ar_p50": "t_ar p50 (s)",
}
FRONTIER_LABEL = "Pareto frontier"


def _panels(n: int):
    import matplotlib.pyplot as plt

    width = style.SINGLE_COLUMN_INCHES[0] if n == 1 else style.DOUBLE_COLUMN_INCHES[0]
    fig, axes = plt.subplots(
        1, n, figsize=(width, style.DOUBLE_COLUMN_INCHES[1] + 0.4), squeeze=False, layout="constrained"
    )
    return fig, list(axes[0])


def _legend_below(fig, axes) -> None:
    """One legend for the figure, under the panels, each label once."""
    seen: dict[str, object] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            seen.setdefault(label, handle)
    if seen:
        fig.legend(
            list(seen.values()),
            list(seen),
            loc="outside lower center",
            ncols=min(3, len(seen)),
            frameon=False,
            fontsize=5,
        )


def pareto_figure(pts: list[Point], x: str = "achieved_hz", reported: list[ReportedPoint] = ()):
    """One panel per (task, quality metric): quality against achieved Hz or latency, one point per
    (model, rate) with CI bars, a controllable model's points joined in rate order, the frontier
    drawn and dominated points faded; published numbers as hollow, labelled markers."""
    panels = sorted({(p.task, p.metric) for p in pts if getattr(p, x) is not None})
    if not panels:
        return None
    fig, axes = _panels(len(panels))
    for ax, (task, name) in zip(axes, panels):
        metric = get_metric(name)
        cell = [p for p in pts if p.task == task and p.metric == name and getattr(p, x) is not None]
        cost = np.array([getattr(p, x) for p in cell])
        quality = np.array([p.value for p in cell])
        on_front = pareto_mask(cost, quality, bool(metric.higher_is_better))
        by_model: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(cell):
            by_model[p.model].append(i)
        for model, idx in sorted(by_model.items()):
            idx = sorted(idx, key=lambda i: -(cell[i].requested_output_hz or cell[i].requested_input_hz or 0))
            xs, ys = cost[idx], quality[idx]
            c, m = style.colour(model), style.marker(model)
            ax.plot(xs, ys, color=c, lw=1.0, label=model)  # joined in rate order
            for i in idx:
                p = cell[i]
                err = None if p.ci_low is None else [[p.value - p.ci_low], [p.ci_high - p.value]]
                ax.errorbar(
                    [cost[i]],
                    [p.value],
                    yerr=err,
                    color=c,
                    marker=m,
                    ms=4,
                    capsize=2,
                    lw=0.8,
                    alpha=1.0 if on_front[i] else 0.35,
                )
        front = np.argsort(cost[on_front])
        ax.plot(
            cost[on_front][front],
            quality[on_front][front],
            color="0.3",
            ls="--",
            lw=0.8,
            label=FRONTIER_LABEL,
            drawstyle="steps-post",
        )
        if x == "achieved_hz":
            for r in reported:
                if r.metric != name:
                    continue
                ax.plot(
                    [r.output_hz],
                    [r.value],
                    ls="none",
                    marker=style.marker(r.model),
                    mfc="none",
                    color=style.colour(r.model),
                    ms=5,
                    label=f"reported: {r.source}, {r.model}",
                )
                ax.annotate(
                    f"{r.task} {r.channel}",
                    (r.output_hz, r.value),
                    fontsize=4,
                    textcoords="offset points",
                    xytext=(3, -2),
                )
        ax.set_xlabel(X_AXES[x])
        ax.set_ylabel(f"{name} ({'higher' if metric.higher_is_better else 'lower'} is better)")
        ax.set_title(task)
    _legend_below(fig, axes)
    return fig


def calibration_figure(samples: list[dict]):
    """Requested vs achieved Hz per utterance, input and output: boxes per (model, rate), the
    identity line, and each model's mean |rate error| printed."""
    sides = [s for s in ("input", "output") if any(r.get(f"achieved_{s}_hz") is not None for r in samples)]
    if not sides:
        return None
    fig, axes = _panels(len(sides))
    models = sorted({r["model"] for r in samples})
    for ax, side in zip(axes, sides):
        values: dict[tuple[str, float], list[float]] = defaultdict(list)
        errors: dict[str, list[float]] = defaultdict(list)
        for r in samples:
            req, ach = r.get(f"requested_{side}_hz"), r.get(f"achieved_{side}_hz")
            if r.get("status") == "ok" and req is not None and ach is not None:
                values[(r["model"], req)].append(ach)
                errors[r["model"]].append(abs(ach / req - 1))
        rates = sorted({k[1] for k in values})
        if not rates:
            continue
        width = 0.8 * (min(np.diff(rates)) if len(rates) > 1 else 1.0) / max(1, len(models))
        for j, model in enumerate(models):
            keys = [(model, r) for r in rates if (model, r) in values]
            if not keys:
                continue
            positions = [r + (j - (len(models) - 1) / 2) * width for _, r in keys]
            box = ax.boxplot(
                [values[k] for k in keys],
                positions=positions,
                widths=width * 0.9,
                patch_artist=True,
                manage_ticks=False,
                showfliers=True,
                flierprops={"markersize": 2},
            )
            for patch in box["boxes"]:
                patch.set(facecolor=style.colour(model), alpha=0.6, label=model)
        lo, hi = min(rates) * 0.8, max(rates) * 1.1
        ax.plot([lo, hi], [lo, hi], color="0.4", ls=":", lw=0.8, label="identity")
        text = "\n".join(f"{m}: mean |err| {np.mean(errors[m]):.1%}" for m in models if errors[m])
        ax.text(0.03, 0.97, text, transform=ax.transAxes, va="top", fontsize=5, gid="mean-abs-error")
        ax.set_xlabel(f"requested {side} Hz")
        ax.set_ylabel(f"achieved {side} Hz (per utterance)")
        ax.set_title(f"{side} rate")
    _legend_below(fig, axes)
    return fig


def latency_figure(samples: list[dict], title: str = ""):
    """t_total, t_first_audio and t_ar by rate (p50, whiskers to p90 and p95) per model and task,
    and t_total's speed-up over each one's highest rate. Latency-lab runs also get their roofline
    bound (dashed) and, in the speed-up panel, the ideal rate ratio (dotted)."""
    ok = [s for s in samples if s.get("status") == "ok" and s.get("batch_size", 1) == 1]
    timings = [t for t in ("t_total", "t_first_audio", "t_ar") if any((s.get("timings") or {}).get(t) for s in ok)]
    if not timings:
        return None, {}
    fig, axes = _panels(len(timings) + 1)
    groups: dict[tuple[str, str], dict[float, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for s in ok:
        hz = s.get("requested_output_hz") or s.get("requested_input_hz")
        if hz is not None:
            groups[(s["model"], s["task"])][hz].append(s)
    tasks = sorted({k[1] for k in groups})
    series = {}
    for (model, task), by_rate in sorted(groups.items()):
        rates = sorted(by_rate)
        label = model if len(tasks) == 1 else f"{model} / {task}"
        c, m, f = style.colour(model), style.marker(model), style.face(model)
        ls = ["-", "-.", ":", (0, (5, 1))][tasks.index(task) % 4]
        entry = {"rates": rates}
        for ax, timing in zip(axes, timings):
            vals = [
                np.array(
                    [
                        (s["timings"] or {}).get(timing)
                        for s in by_rate[r]
                        if (s["timings"] or {}).get(timing) is not None
                    ]
                )
                for r in rates
            ]
            keep = [i for i, v in enumerate(vals) if len(v)]
            if not keep:
                continue
            xs = [rates[i] for i in keep]
            p50 = np.array([np.percentile(vals[i], 50) for i in keep])
            p90 = np.array([np.percentile(vals[i], 90) for i in keep])
            p95 = np.array([np.percentile(vals[i], 95) for i in keep])
            ax.errorbar(
                xs,
                p50,
                yerr=[np.zeros_like(p50), p95 - p50],
                color=c,
                marker=m,
                mfc=f,
                ms=4,
                lw=1.0,
                ls=ls,
                capsize=2,
                label=label,
            )
            ax.plot(xs, p90, ls="none", marker="_", color=c, ms=5)
            entry[f"{timing}_p50"] = p50.tolist()
            if timing == "t_total":
                bounds = [[(s.get("latency") or {}).get("ar_bound_s") for s in by_rate[rates[i]]] for i in keep]
                if all(b and b[0] is not None for b in bounds):
                    pre = [(by_rate[rates[i]][0]["latency"].get("prefill_bound_s") or 0) for i in keep]
                    entry["bound"] = [b[0] + p for b, p in zip(bounds, pre)]
                    ax.plot(xs, entry["bound"], color=c, ls="--", lw=0.8)
                entry["speedup"] = (p50[-1] / p50).tolist()
                axes[-1].plot(xs, entry["speedup"], color=c, marker=m, mfc=f, ms=4, lw=1.0, ls=ls, label=label)
                if "bound" in entry:
                    axes[-1].plot(xs, [xs[-1] / x for x in xs], color=c, ls=":", lw=0.8)
        series[label] = entry
    for ax, timing in zip(axes, timings):
        ax.set_xlabel("requested rate (Hz)")
        ax.set_title(f"{timing} (s)")
    axes[-1].set_xlabel("requested rate (Hz)")
    axes[-1].set_title("t_total speed-up vs highest rate")
    _legend_below(fig, axes)
    fig.suptitle((title + ": " if title else "") + "p50, whisker to p95, tick at p90", fontsize=7)
    return fig, series
