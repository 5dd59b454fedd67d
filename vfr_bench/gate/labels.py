"""How the gate names its two sides, so that two runs of one model name never read as one series.

Given labels win. Otherwise: the model name where the two differ; else the model name plus what tells
the checkpoints apart (the manifest's checkpoint, repo, or the first 12 characters of the weights'
sha256, the first that differs); else plus the run directory's name; else plus "baseline" and
"candidate".
"""

from __future__ import annotations

from pathlib import Path

from vfr_bench.gate.data import RunData
from vfr_bench.records import IDENTITY_KEYS


class SameLabels(ValueError):
    """Both labels were given, and they are the same."""


def default_labels(base: RunData, cand: RunData) -> tuple[str, str]:
    if base.model != cand.model:
        return base.model, cand.model
    for key in IDENTITY_KEYS:
        b, c = base.manifest.identity(base.model, key), cand.manifest.identity(cand.model, key)
        if b is not None and c is not None and b != c:
            return f"{base.model} ({b})", f"{cand.model} ({c})"
    b_dir, c_dir = Path(base.path).resolve().name, Path(cand.path).resolve().name
    if b_dir != c_dir:
        return f"{base.model} ({b_dir})", f"{cand.model} ({c_dir})"
    return f"{base.model} (baseline)", f"{cand.model} (candidate)"


def resolve_labels(
    base: RunData, cand: RunData, baseline_label: str | None = None, candidate_label: str | None = None
) -> tuple[str, str]:
    """The two sides' labels, never equal: given ones as given (SameLabels if both are the same)."""
    default_b, default_c = default_labels(base, cand)
    b, c = baseline_label or default_b, candidate_label or default_c
    if b == c:
        if baseline_label and candidate_label:
            raise SameLabels(f"--baseline-label and --candidate-label are both {b!r}: give two different labels")
        b = b if baseline_label else f"{b} (baseline)"
        c = c if candidate_label else f"{c} (candidate)"
    return b, c


def label_runs(base: RunData, cand: RunData, baseline_label: str | None, candidate_label: str | None) -> None:
    base.label, cand.label = resolve_labels(base, cand, baseline_label, candidate_label)
