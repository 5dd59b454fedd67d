"""`vfr-bench report`: figures, tables and a README (with provenance) from any number of runs, made
with the same `Results` calls a notebook uses (vfr_bench/report/results.py)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfr_bench.escape import markdown_row
from vfr_bench.jsonl import write_text_atomic
from vfr_bench.redact import home_relative, redact_text
from vfr_bench.report.allocation_section import allocation_outputs
from vfr_bench.report.points import ReportedPoint
from vfr_bench.report.series import Series
from vfr_bench.run_view import RunView

if TYPE_CHECKING:
    from vfr_bench.report.results import Results

Made = list[tuple[str, str]]  # (file, one-line description)


def build_report(
    run_dirs: list[Path], out: Path, style_file: str | None = None, reported_csv: Path | None = None,
    labels: dict[Path, str] | None = None, html: bool = True,
) -> Made:  # fmt: skip
    """Write the report into `out`; returns (file, one-line description) for each figure and table.
    Each model of each run is a series of its own (labels: `--label RUN=NAME`, else the manifest);
    `html`: the listening report `index.html` too (report/html/)."""
    import matplotlib.pyplot as plt

    from vfr_bench.report import style
    from vfr_bench.report.load import load
    from vfr_bench.report.points import load_reported

    style.apply(style_file)
    named: dict[str | Path, str] = {k: v for k, v in (labels or {}).items()}
    results = load(*run_dirs, labels=named)
    runs, series = results.runs, results.series
    reported = load_reported(reported_csv) if reported_csv else []
    out.mkdir(parents=True, exist_ok=True)
    made: Made = []

    def save(fig: Any, name: str, text: str) -> None:
        if fig is None:
            return
        for ext in ("pdf", "png"):
            fig.savefig(out / f"{name}.{ext}")
        plt.close(fig)
        made.append((f"{name}.pdf", text))

    overlay = (
        f"; published numbers from {reported_csv.name} as hollow numbered markers on the task they were measured on"
        if reported_csv
        else ""
    )
    _figures(results, reported, overlay, save)
    made += _tables(results, out)
    made += allocation_outputs(results, out, save)
    if html:
        made.append(_html(results, out))
    write_text_atomic(out / "README.md", _readme(made, runs, series, reported_csv, out))
    return made


def _figures(results: Results, reported: list[ReportedPoint], overlay: str, save: Callable[..., None]) -> None:
    from vfr_bench.report.study import read_study

    study = read_study(results.runs)
    tasks = sorted({s.task for run in results.runs for s in run.samples})
    shown = study.pareto_tasks(tasks)
    save(
        results.robustness(), "robustness_quality_vs_snr",
        f"quality against SNR for the noise conditions ({_listed(sorted(study.noise))}): a panel per noise kind "
        "(and series), a line per rate (95% CIs), the clean task's value at each rate dotted",
    )  # fmt: skip
    multilingual = sorted(t for t, lang in study.languages.items() if lang.family in study.language_families())
    save(
        results.languages(), "languages_quality_vs_rate",
        f"quality by language and requested rate ({_listed(multilingual)}): a panel per suite, metric and "
        "series, a line per language (95% CIs)",
    )  # fmt: skip
    save(
        results.pareto("achieved_hz", reported), "pareto_quality_vs_rate",
        f"quality against achieved Hz (output where the task speaks, else input) for {_listed(shown)}, a panel "
        "per task and metric (95% CIs), frontier dashed, steps within the CIs banded grey, dominated points "
        "faded, judge ceiling dotted" + overlay,
    )  # fmt: skip
    save(
        results.pareto("t_total_p50"), "pareto_quality_vs_latency",
        f"quality against t_total p50 for {_listed(shown)}, each point labelled with its rate (labels that "
        "would collide left out); a series is joined only where its time order is its rate order",
    )  # fmt: skip
    save(
        results.pareto("t_ar_p50"), "pareto_quality_vs_ar_time",
        "quality against autoregressive time (t_ar p50), where the model can tell it",
    )  # fmt: skip
    # a latency-lab request is planned to its rate exactly: its calibration is flat by construction
    save(
        results.calibration(), "rate_calibration",
        "signed rate error (achieved / requested - 1) per utterance by requested rate, a box per series "
        "pooling its tasks (whiskers p5-p95, triangle at p95 |error|), input and output",
    )  # fmt: skip
    devices = sorted({r.manifest.latency_lab["device_name"] for r in results.runs if r.manifest.latency_lab})
    save(
        results.latency(title=", ".join(devices)), "latency_vs_rate",
        "t_total, t_first_audio and t_ar by rate, a line per series pooling its tasks (p50, band p10-p90; a "
        "latency-lab run's line per batch size), and the speed-up vs the highest rate beside the ideal (the rate "
        "ratio, dotted); unstable cells (p95 > 3x p50, or a speed-up over 1.5x the ideal) hollow and off the line; "
        "latency-lab runs add the roofline bound (sparse dots, thin)",
    )  # fmt: skip


def _listed(tasks: list[str]) -> str:
    """The tasks a figure shows, each named, for its README line."""
    return ("task " if len(tasks) == 1 else "tasks ") + ", ".join(f"`{t}`" for t in tasks)


def _tables(results: Results, out: Path) -> Made:
    made = []
    for name, text, content in (
        ("results.md", "Markdown table", results.to_markdown()),
        ("results.tex", "LaTeX table (booktabs; best among the series at a task and rate in bold)", results.to_latex()),
        ("results.csv", "CSV table with CI bounds", results.to_csv()),
    ):
        write_text_atomic(out / name, content)
        made.append(
            (name, f"{text}: one row per (series, task, batch size, rate), one column per metric, from summary.csv")
        )
    return made


def _html(results: Results, out: Path) -> tuple[str, str]:
    from vfr_bench.report.html.page import write_html

    written = write_html(results, out)
    missing = f"; {len(written.missing_audio)} audio file(s) not found, left out" if written.missing_audio else ""
    return (
        written.page.name,
        f"listening report (open offline in a browser): the results table, interactive charts and "
        f"{written.groups} samples ({written.rows} (series, rate) rows) with audio and word diffs, in "
        f"{written.chunks} chunk file(s) under samples/, audio under media/{missing}",
    )


def _readme(
    made: Made, runs: list[RunView], series: dict[tuple[Path, str], Series], reported_csv: Path | None, out: Path
) -> str:
    """The report's README. Runs are named by their path from the report's folder and the home folder
    is `~`, so a report shared with others does not carry the user's absolute paths; a judge URL's
    credentials (in a recorded command line) never appear."""
    lines = ["# vfr-bench report", "", "## Figures and tables", ""]
    lines += [f"- `{name}`{' (and .png)' if name.endswith('.pdf') else ''}: {text}" for name, text in made]
    if reported_csv:
        lines += [
            "",
            f"Published numbers: `{_shown(reported_csv, out)}` (percentages shown as fractions; never mixed with "
            "measured points, always labelled with their source).",
        ]
    lines += ["", "## Series", "", "| series | model | run |", "| --- | --- | --- |"]
    lines += [markdown_row([s.label, s.model, _shown(s.run, out)]) for s in series.values()]
    lines += ["", "## Runs", ""]
    for run in runs:
        lines += [f"### {_shown(run.path, out)}", *_provenance(run), ""]
    return "\n".join(lines)


def _shown(path: Path, out: Path) -> str:
    """`path` as the report's README names it: from the report's folder, never absolute."""
    return home_relative(os.path.relpath(Path(path).resolve(), Path(out).resolve()))


def _provenance(run: RunView) -> list[str]:
    m = run.manifest
    lines = [
        f"- vfr-bench {m.vfr_bench_version} at commit {m.git.commit}; started {m.started}, finished {m.finished}",
        f"- command: `{redact_text(home_relative(' '.join(m.argv)))}`",
    ]
    for name, info in m.models.items():
        detail = info.get("checkpoint") or info.get("architecture") or ""
        digest = info.get("weights_sha256") or info.get("weights") or ""
        lines.append(f"- model `{name}`: {detail} {digest}".rstrip())
    for name, task in m.tasks.items():
        ds = task.dataset
        lines.append(
            f"- task `{name}` v{task.version}: data {ds.get('name')} ({home_relative(str(ds.get('source', '')))}) "
            f"{ds.get('content_hash')}"
        )
    for name, info in m.metrics.items():
        if info.get("normaliser") or info.get("judge"):
            text = f"{info.get('normaliser', '')} {info.get('normaliser_version', '')} {info.get('judge', '')}"
            lines.append(redact_text(f"- metric `{name}` v{info.get('version')}: {text}".rstrip()))
    if m.latency_lab:
        lab = m.latency_lab
        lines.append(
            f"- latency lab: {lab['device_name']}, {lab['dtype']}, {lab['repeats']} repeats after "
            f"{lab['warmup_requests']} warm-up, peaks from {lab['peaks_source']}"
        )
    gpus = ", ".join(g["name"] for g in m.hardware.get("gpus") or []) or "none"
    lines.append(f"- hardware: {m.hardware.get('cpu')}; GPUs: {gpus}")
    return lines
