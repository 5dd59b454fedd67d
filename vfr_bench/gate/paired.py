"""The gate of two runs: each pair of models (vfr_bench.gate.pairs) compared, one verdict per pair,
and one exit code for all of them, the worst: 2 where a pair could not be compared (or the rules
are wrong), else 1 where a pair failed or the candidate lost a model, else 0."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vfr_bench.escape import markdown_cell
from vfr_bench.gate.compare import CannotCompare, compare, model_data, read_run, self_gate_warning, side_models
from vfr_bench.gate.config import GateConfig
from vfr_bench.gate.data import RunData, Verdict
from vfr_bench.gate.labels import label_runs
from vfr_bench.gate.machines import run_warnings
from vfr_bench.gate.output import markdown, overall, unmatched_rules, verdict_json
from vfr_bench.gate.pairs import Pairing, pair_models
from vfr_bench.redact import redact_text
from vfr_bench.run_view import RunView

EXIT = {"pass": 0, "fail": 1, "cannot-compare": 2, "configuration-error": 2}


@dataclass
class PairOutcome:
    """One pair's verdicts, or why it has none (`no_verdict`: cannot-compare, and the reason)."""

    baseline_model: str
    candidate_model: str
    base: RunData | None = None
    cand: RunData | None = None
    verdicts: list[Verdict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    no_verdict: str | None = None

    @property
    def verdict(self) -> str:
        return "cannot-compare" if self.no_verdict is not None else overall(self.verdicts)


@dataclass
class GateResult:
    pairing: Pairing
    outcomes: list[PairOutcome]
    config: GateConfig
    configuration_error: str | None = None  # rules that match no compared cell of any pair

    @property
    def verdict(self) -> str:
        if self.configuration_error:
            return "configuration-error"
        verdicts = [o.verdict for o in self.outcomes] + ["fail"] * len(self.pairing.lost)
        return max(verdicts, key=EXIT.__getitem__, default="pass")

    @property
    def exit_code(self) -> int:
        return EXIT[self.verdict]

    @property
    def warnings(self) -> list[str]:
        seen: dict[str, None] = {}
        for outcome in self.outcomes:
            seen.update(dict.fromkeys(outcome.warnings))
        return list(seen)


def gate_runs(
    baseline: Path, candidate: Path, config: GateConfig, baseline_model: str | None = None,
    candidate_model: str | None = None, baseline_label: str | None = None, candidate_label: str | None = None,
) -> GateResult:  # fmt: skip
    """Every pair compared (a pair that cannot be compared says why in its outcome). CannotCompare where
    a run cannot be read or no pair can be made; SameLabels where the two given labels are equal."""
    base_run, cand_run = read_run(baseline, "baseline"), read_run(candidate, "candidate")
    pairing = pair_models(side_models(base_run), side_models(cand_run), baseline_model, candidate_model)
    labels = (baseline_label, candidate_label)
    outcomes = [_compare_pair(base_run, cand_run, pair, labels, pairing.by_name, config) for pair in pairing.pairs]
    compared = [v for o in outcomes for v in o.verdicts]
    unused = unmatched_rules(compared, config.rules) if compared else []
    error = "rules that match no compared cell (check the task and rate names): " + "; ".join(unused)
    return GateResult(pairing, outcomes, config, error if unused else None)


def _compare_pair(
    base_run: RunView, cand_run: RunView, pair: tuple[str, str], labels: tuple[str | None, str | None],
    by_name: bool, config: GateConfig,
) -> PairOutcome:  # fmt: skip
    outcome = PairOutcome(*pair)
    try:
        outcome.base = model_data(base_run, pair[0], "baseline")
        outcome.cand = model_data(cand_run, pair[1], "candidate")
        given = [f"{pair[0]} ({label})" if by_name and label else label for label in labels]
        label_runs(outcome.base, outcome.cand, *given)
        found = self_gate_warning(outcome.base, outcome.cand) + run_warnings(outcome.base, outcome.cand)
        outcome.warnings = [redact_text(w) for w in found]
        outcome.verdicts = compare(outcome.base, outcome.cand, config)
    except CannotCompare as err:
        outcome.no_verdict = str(err)
    return outcome


def paired_markdown(result: GateResult) -> str:
    """The verdict of a gate paired by name: a heading for all, then one section per model."""
    failed = [o.baseline_model for o in result.outcomes if o.verdict == "fail"] + result.pairing.lost
    blocked = [o.baseline_model for o in result.outcomes if o.no_verdict is not None]
    head = {"pass": "PASS", "fail": "FAIL"}.get(result.verdict, "NO VERDICT")
    lines = [
        f"## vfr-bench gate: {head}: {len(result.outcomes)} models paired by name "
        f"({len(failed)} failed, {len(blocked)} not comparable; exit {result.exit_code})",
    ]
    notes = [f"- **warning:** {w}" for w in result.warnings]
    lost, new = ([markdown_cell(m) for m in models] for models in (result.pairing.lost, result.pairing.new))
    notes += [f"- **FAIL:** model `{m}` is in the baseline run but not in the candidate's" for m in lost]
    notes += [f"- not gated: model `{m}` is in the candidate run only (no baseline)" for m in new]
    lines += ["", *notes] if notes else []
    for outcome in result.outcomes:
        lines.append("")
        if outcome.no_verdict is not None or outcome.base is None or outcome.cand is None:
            name = markdown_cell(outcome.baseline_model)
            lines += [f"### {name}: no verdict", "", f"cannot compare: {markdown_cell(outcome.no_verdict)}"]
            continue
        text = markdown(outcome.verdicts, outcome.base, outcome.cand, result.config.confidence)
        lines.append("#" + text.rstrip("\n"))  # its heading one level down
    return "\n".join(lines) + "\n"


def paired_json(result: GateResult) -> dict[str, Any]:
    """The JSON verdict of a gate paired by name: the worst verdict, then one entry per model."""
    models: list[dict[str, Any]] = []
    for o in result.outcomes:
        if o.base is not None and o.cand is not None and o.no_verdict is None:
            models.append(verdict_json(o.verdicts, o.base, o.cand, result.config.source, o.warnings))
        else:
            models.append({
                "verdict": "cannot-compare", "reason": o.no_verdict,
                "baseline": {"model": o.baseline_model}, "candidate": {"model": o.candidate_model},
            })  # fmt: skip
    return {
        "verdict": result.verdict, "exit_code": result.exit_code, "paired_by": "model name",
        "warnings": result.warnings, "lost_models": result.pairing.lost, "new_models": result.pairing.new,
        "config": result.config.source, "models": models,
    }  # fmt: skip
