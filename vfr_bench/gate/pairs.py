"""Which model of the baseline run is gated against which model of the candidate run.

A run often holds several models (the default run: mini-dynamic and mini-uniform). Two such
runs are paired by model name, one verdict per name. `--baseline-model`/`--candidate-model` pick one
model from each side instead, for comparing two differently named models (checkpoint A as `m-a`,
checkpoint B as `m-b`); where each run holds a single model the two are compared whatever their names.
A model the baseline holds and the candidate lacks is a model the candidate lost: it fails, as a lost
sample does. A model only the candidate holds has nothing to be gated against: it is named, not gated.
A model an older run recorded under a name it no longer has (reference-uniform) pairs by its new one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vfr_bench.gate.data import CannotCompare
from vfr_bench.renamed import current_model_name


@dataclass(frozen=True)
class Pairing:
    pairs: list[tuple[str, str]]  # (baseline model, candidate model), in name order
    lost: list[str] = field(default_factory=list)  # baseline models the candidate run does not hold
    new: list[str] = field(default_factory=list)  # candidate models with no baseline: not gated

    @property
    def by_name(self) -> bool:
        """Whether the sides were paired by name (several pairs, or models lost or new)."""
        return len(self.pairs) > 1 or bool(self.lost or self.new)


def pair_models(
    baseline: list[str], candidate: list[str], baseline_model: str | None = None, candidate_model: str | None = None
) -> Pairing:
    """The pairs to gate, from each run's models (sorted, with ok samples) and the two options."""
    if baseline_model or candidate_model:
        return Pairing([(_pick(baseline, baseline_model, candidate_model, "baseline"),
                         _pick(candidate, candidate_model, baseline_model, "candidate"))])  # fmt: skip
    if not baseline or not candidate:
        side, models = ("baseline", baseline) if not baseline else ("candidate", candidate)
        raise CannotCompare(f"the {side} run has no ok sample of any model ({models})")
    if len(baseline) == 1 and len(candidate) == 1:
        return Pairing([(baseline[0], candidate[0])])
    # a model a run recorded under its old name (reference-uniform) pairs with it under its new one
    base = {current_model_name(m): m for m in baseline}
    cand = {current_model_name(m): m for m in candidate}
    shared = sorted(set(base) & set(cand))
    if not shared:
        raise CannotCompare(
            f"no model is in both runs (baseline: {', '.join(baseline)}; candidate: {', '.join(candidate)}): "
            "name the two to compare with --baseline-model and --candidate-model"
        )
    lost = sorted(base[m] for m in set(base) - set(cand))
    new = sorted(cand[m] for m in set(cand) - set(base))
    return Pairing([(base[m], cand[m]) for m in shared], lost, new)


def _pick(models: list[str], named: str | None, other: str | None, role: str) -> str:
    """This side's model: as named; else its only model; else the model the other side named."""
    if named:
        return named  # checked against the run's models where its records are read
    if len(models) == 1:
        return models[0]
    if other in models:
        return other
    other_role = "candidate" if role == "baseline" else "baseline"
    raise CannotCompare(
        f"the {role} run holds models {models} and none is named {other!r} (--{other_role}-model): "
        f"name the {role}'s with --{role}-model"
    )
