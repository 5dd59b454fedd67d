"""`vfr-bench report`: figures, tables and a README (with provenance) from any number of runs."""

from __future__ import annotations

from pathlib import Path

from vfr_bench.run_dir import write_text_atomic


def build_report(
    run_dirs: list[Path], out: Path, style_file: str | None = None, reported_csv: Path | None = None
) -> list[tuple[str, str]]:
    """Write the report into `out`; returns (file, one-line description) for each figure and table."""
    import matplotlib.pyplot as plt

    from vfr_bench.report import figures, style, tables
    from vfr_bench.report.points import load_reported, load_run, points

    style.apply(style_file)
    out.mkdir(parents=True, exist_ok=True)
    runs = [load_run(Path(r)) for r in run_dirs]
    pts = points(runs)
    reported = load_reported(reported_csv) if reported_csv else []
    samples = [s for run in runs for s in run.samples]
    made: list[tuple[str, str]] = []

    def save(fig, name: str, text: str) -> None:
        if fig is None:
            return
        for ext in ("pdf", "png"):
            fig.savefig(out / f"{name}.{ext}")
        plt.close(fig)
        made.append((f"{name}.pdf", text))

    overlay = f"; published numbers from {Path(reported_csv).name} as hollow labelled markers" if reported else ""
    save(
        figures.pareto_figure(pts, "achieved_hz", reported),
        "pareto_quality_vs_rate",
        "quality against achieved Hz per task and metric, frontier dashed, dominated points faded" + overlay,
    )
    save(
        figures.pareto_figure(pts, "t_total_p50"),
        "pareto_quality_vs_latency",
        "quality against t_total p50 per task and metric, frontier dashed",
    )
    save(
        figures.pareto_figure(pts, "t_ar_p50"),
        "pareto_quality_vs_ar_time",
        "quality against autoregressive time (t_ar p50), where the model can tell it",
    )
    save(
        figures.calibration_figure(samples),
        "rate_calibration",
        "requested vs achieved Hz per utterance (boxes), input and output, identity dotted, mean |error| printed",
    )
    devices = sorted({r.manifest["latency_lab"]["device_name"] for r in runs if r.manifest.get("latency_lab")})
    fig, _ = figures.latency_figure(samples, title=", ".join(devices))
    save(
        fig,
        "latency_vs_rate",
        "t_total, t_first_audio and t_ar by rate (p50, whisker to p95, tick at p90) and "
        "speed-up vs the highest rate; latency-lab runs add the roofline bound (dashed) and the ideal (dotted)",
    )
    table = tables.build_table(runs)
    for name, text, content in (
        ("results.md", "Markdown table", tables.markdown(table)),
        ("results.tex", "LaTeX table (booktabs; best per task in bold)", tables.latex(table)),
        ("results.csv", "CSV table with CI bounds", tables.csv_text(table)),
    ):
        write_text_atomic(out / name, content)
        made.append((name, f"{text}: one row per (model, task, rate), one column per metric, from summary.csv"))
    write_text_atomic(out / "README.md", _readme(made, runs, reported_csv))
    return made


def _readme(made: list[tuple[str, str]], runs: list, reported_csv: Path | None) -> str:
    lines = ["# vfr-bench report", "", "## Figures and tables", ""]
    lines += [f"- `{name}`{' (and .png)' if name.endswith('.pdf') else ''}: {text}" for name, text in made]
    if reported_csv:
        lines += [
            "",
            f"Published numbers: `{reported_csv}` (percentages shown as fractions; never mixed with "
            "measured points, always labelled with their source).",
        ]
    lines += ["", "## Runs", ""]
    for run in runs:
        m = run.manifest
        lines.append(f"### {run.path}")
        lines.append(
            f"- vfr-bench {m.get('vfr_bench_version')} at commit {(m.get('git') or {}).get('commit')}; "
            f"started {m.get('started')}, finished {m.get('finished')}"
        )
        lines.append(f"- command: `{' '.join(m.get('argv', []))}`")
        for name, info in (m.get("models") or {}).items():
            detail = info.get("checkpoint") or info.get("architecture") or ""
            digest = info.get("weights_sha256") or info.get("weights") or ""
            lines.append(f"- model `{name}`: {detail} {digest}".rstrip())
        for name, info in (m.get("tasks") or {}).items():
            ds = info.get("dataset", {})
            lines.append(
                f"- task `{name}` v{info.get('version')}: data {ds.get('name')} ({ds.get('source', '')}) "
                f"{ds.get('content_hash')}"
            )
        for name, info in (m.get("metrics") or {}).items():
            if info.get("normaliser") or info.get("judge"):
                lines.append(
                    f"- metric `{name}` v{info.get('version')}: {info.get('normaliser', '')} "
                    f"{info.get('normaliser_version', '')} {info.get('judge', '')}".rstrip()
                )
        if m.get("latency_lab"):
            lab = m["latency_lab"]
            lines.append(
                f"- latency lab: {lab['device_name']}, {lab['dtype']}, {lab['repeats']} repeats after "
                f"{lab['warmup_requests']} warm-up, peaks from {lab['peaks_source']}"
            )
        hw = m.get("hardware") or {}
        lines.append(
            f"- hardware: {hw.get('cpu')}; GPUs: {', '.join(g['name'] for g in hw.get('gpus') or []) or 'none'}"
        )
        lines.append("")
    return "\n".join(lines)
