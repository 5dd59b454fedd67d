"""Coverage: what the baseline measured that the candidate did not. A comparison on what both have
would pass a candidate that failed on the hard samples, lost a metric (a judge down, scores.jsonl
emptied) or scored fewer samples; each of those is a failed cell with its reason."""

from __future__ import annotations

from vfr_bench.gate.config import GateConfig
from vfr_bench.gate.data import RunData, Verdict, Where


def coverage_verdicts(base: RunData, cand: RunData, config: GateConfig) -> list[Verdict]:
    """Samples the baseline answered that the candidate failed on or never ran, per (task, rate, batch)."""
    out = []
    attempted_cells = {w for (w, _) in cand.attempted}
    for where in sorted(base.places()):
        answered, kept = base.ids(where), cand.ids(where)
        lost = answered - kept
        if not lost and where in attempted_cells:
            continue
        ran = {i for (w, i) in cand.attempted if w == where}
        why = (
            f"the candidate has no ok sample in this cell ({len(ran)} recorded)"
            if not kept
            else f"{len(lost)} of {len(answered)} samples the baseline answered failed or are missing in the candidate"
        )
        verdict = "fail" if len(lost) > config.max_lost_samples else "pass"
        out.append(
            Verdict(
                "coverage", where.task, where.rate, "lost_samples", float(len(answered)), float(len(kept & answered)),
                float(-len(lost)), None, None, len(answered), f"<= {config.max_lost_samples} lost", verdict, why,
                where.batch,
            )
        )  # fmt: skip
    return out


def score_coverage_verdicts(
    base: RunData, cand: RunData, cells: list[tuple[Where, str]], config: GateConfig
) -> list[Verdict]:
    """Per baseline quality cell (task, rate, batch, metric): fail where the candidate has no score of the
    metric at all, or left unscored samples it answered that the baseline scored."""
    out = []
    for cell in cells:
        where, metric = cell
        scored = set(base.scores[cell])
        answered = scored & cand.ids(where)  # samples the candidate lost are the coverage verdict's
        have = set(cand.scores.get(cell, {}))
        unscored = answered - have
        if cell in cand.scores and len(unscored) <= config.max_lost_samples:
            continue
        errors = cand.failed_scores.get(cell, {})
        example = next((errors[i] for i in sorted(unscored) if i in errors), None)
        if cell not in cand.scores:
            why = f"the candidate has no {metric} score in this cell"
        else:
            why = f"{len(unscored)} of {len(answered)} samples the baseline scored have no {metric} score here"
        why += f" ({len(errors)} failed to score, e.g. {example})" if example else ""
        verdict = "fail" if len(unscored) > config.max_lost_samples or cell not in cand.scores else "pass"
        out.append(
            Verdict(
                "coverage", where.task, where.rate, f"{metric} (scored samples)", float(len(scored)),
                float(len(have & scored)), float(-len(unscored)), None, None, len(scored),
                f"<= {config.max_lost_samples} unscored", verdict, why, where.batch,
            )
        )  # fmt: skip
    return out
