"""Gate output: a Markdown table for a pull-request comment, and a JSON verdict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vfr_bench.escape import markdown_cell, markdown_row
from vfr_bench.gate.data import RunData, Verdict
from vfr_bench.rates import rate_order

ICONS = {"pass": "pass", "fail": "**FAIL**", "report-only": "report-only"}


def overall(verdicts: list[Verdict]) -> str:
    return "fail" if any(v.verdict == "fail" for v in verdicts) else "pass"


def _num(value: float | None, fmt: str = "{:.4g}") -> str:
    return "-" if value is None else fmt.format(value)


def _side(run: RunData) -> str:
    model = "" if run.name == run.model else f"model `{markdown_cell(run.model)}`, "
    return f"**{markdown_cell(run.name)}** ({model}{markdown_cell(run.path)})"


def markdown(
    verdicts: list[Verdict], base: RunData, cand: RunData, confidence: float, warnings: Sequence[str] = ()
) -> str:
    """The verdict: heading, warnings (other hardware or backends), one table row per cell."""
    result = overall(verdicts)
    failed = sum(v.verdict == "fail" for v in verdicts)
    names = f"{markdown_cell(base.name)} vs {markdown_cell(cand.name)}"
    lines = [f"## vfr-bench gate: {'PASS' if result == 'pass' else 'FAIL'}: {names}", ""]
    lines += [f"- **warning:** {markdown_cell(w)}" for w in warnings] + ([""] if warnings else [])
    lines += [
        f"baseline {_side(base)} vs candidate {_side(cand)}; "
        f"{len(verdicts)} cells, {failed} failed; CIs at {confidence:.0%}.",
        "",
        markdown_row(["cell", f"baseline: {base.name}", f"candidate: {cand.name}", "delta", "CI", "allowed", "n",
                      "verdict"]),
        markdown_row(["---"] * 8),
    ]  # fmt: skip
    order = {"fail": 0, "report-only": 2, "pass": 1}
    listed = sorted(
        verdicts, key=lambda v: (order[v.verdict], v.kind, v.task, v.batch_size, rate_order(v.rate), v.metric)
    )
    for v in listed:
        ci = "-" if v.ci_low is None else f"[{v.ci_low:.4g}, {v.ci_high:.4g}]"
        delta = _num(v.delta, "{:+.4g}") if v.kind != "latency" else _num(v.delta, "{:.3f}x")
        lines.append(
            markdown_row([f"{v.where.describe()}, {v.metric}", _num(v.baseline), _num(v.candidate), delta, ci,
                          v.allowed, v.n, f"{ICONS[v.verdict]}: {v.reason}"])
        )  # fmt: skip
    return "\n".join(lines) + "\n"


def unmatched_rules(verdicts: list[Verdict], rules) -> list[str]:
    """Configured rules that matched no compared cell: usually a misspelt task or rate."""
    cells = {(v.task, v.rate, v.metric) for v in verdicts}
    return [
        f"{r.source}: metric={r.metric} task={r.task} rate={r.rate}"
        for r in rules
        if not any(r.matches(*c) for c in cells)
    ]


def verdict_json(
    verdicts: list[Verdict], base: RunData, cand: RunData, config_source: str, warnings: Sequence[str] = ()
) -> dict[str, Any]:
    return {
        "verdict": overall(verdicts),
        "baseline": {"run": str(base.path), "model": base.model, "label": base.name},
        "candidate": {"run": str(cand.path), "model": cand.model, "label": cand.name},
        "warnings": list(warnings),
        "config": config_source,
        "cells": [v.to_json() for v in verdicts],
    }
