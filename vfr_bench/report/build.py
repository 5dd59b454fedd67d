"""`vfr-bench report`: figures and a README from any number of run directories.

So far it draws the latency lab's figure and lists every run's provenance; the quality figures
(Pareto, rate calibration) and the paper tables are still to come.
"""

from __future__ import annotations

import json
from pathlib import Path

from vfr_bench.run_dir import MANIFEST, SAMPLES, read_jsonl, write_text_atomic


def build_report(run_dirs: list[Path], out: Path, style_file: str | None = None) -> list[tuple[str, str]]:
    """Write the report into `out`; returns (file, one-line description) for each figure."""
    from vfr_bench.report import style
    from vfr_bench.report.latency_figure import latency_figure

    style.apply(style_file)
    out.mkdir(parents=True, exist_ok=True)
    samples, manifests = [], {}
    for run in run_dirs:
        if not (run / MANIFEST).is_file():
            raise FileNotFoundError(f"{run} is not a run directory (no {MANIFEST})")
        manifests[str(run)] = json.loads((run / MANIFEST).read_text(encoding="utf-8"))
        samples.extend(read_jsonl(run / SAMPLES))
    figures: list[tuple[str, str]] = []
    lab = [s for s in samples if s.get("latency")]
    if lab:
        devices = sorted({m["latency_lab"]["device_name"] for m in manifests.values() if m.get("latency_lab")})
        latency_figure(lab, out / "latency_vs_rate", title=", ".join(devices))
        figures.append(("latency_vs_rate.pdf / .png", "latency lab: t_total (p50, whisker to p95) and speed-up vs "
                        "the highest rate per architecture, with the roofline bound (dashed) and the ideal (dotted)"))
    write_text_atomic(out / "README.md", _readme(figures, manifests))
    return figures


def _readme(figures: list[tuple[str, str]], manifests: dict[str, dict]) -> str:
    lines = ["# vfr-bench report", "", "## Figures", ""]
    lines += [f"- `{name}`: {text}" for name, text in figures] or ["- none for these runs yet"]
    lines += ["", "## Runs", ""]
    for run, m in manifests.items():
        lines.append(f"### {run}")
        lines.append(f"- vfr-bench {m.get('vfr_bench_version')} at {(m.get('git') or {}).get('commit')}; "
                     f"started {m.get('started')}, finished {m.get('finished')}")
        lines.append(f"- command: `{' '.join(m.get('argv', []))}`")
        for name, info in (m.get("models") or {}).items():
            detail = info.get("checkpoint") or info.get("architecture") or ""
            lines.append(f"- model `{name}`: {detail} {info.get('weights_sha256', '') or info.get('weights', '')}".rstrip())
        for name, info in (m.get("tasks") or {}).items():
            ds = info.get("dataset", {})
            lines.append(f"- task `{name}` v{info.get('version')}: data {ds.get('name')} {ds.get('content_hash')}")
        for name, info in (m.get("metrics") or {}).items():
            if info.get("normaliser"):
                lines.append(f"- metric `{name}`: {info['normaliser']} {info.get('normaliser_version')}")
        if m.get("latency_lab"):
            lab = m["latency_lab"]
            lines.append(f"- latency lab: {lab['device_name']}, {lab['dtype']}, {lab['repeats']} repeats after "
                         f"{lab['warmup_requests']} warm-up, peaks from {lab['peaks_source']}")
        gpus = (m.get("hardware") or {}).get("gpus") or []
        lines.append(f"- hardware: {(m.get('hardware') or {}).get('cpu')}; GPUs: "
                     f"{', '.join(g['name'] for g in gpus) or 'none'}")
        lines.append("")
    return "\n".join(lines)
