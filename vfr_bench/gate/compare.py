"""Compare a candidate run with a baseline on the cells they share: (task, rate spec, batch size, metric).

Quality: a cell fails when the candidate is worse by more than the rule allows AND the difference
is significant at the configured confidence (paired bootstrap over the shared samples, or a
two-proportion test), so a difference inside the noise passes and a real drop fails.
Rate fidelity: the candidate's mean |rate error| must stay within a tolerance.
Latency: the candidate / baseline ratio of the latency metric, significantly above its tolerance, fails.
Which of the three a metric is comes from its metadata (`kind`), never from its name.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from vfr_bench.cli_command import cli_command
from vfr_bench.gate.config import GateConfig, Rule
from vfr_bench.gate.coverage import coverage_verdicts, score_coverage_verdicts
from vfr_bench.gate.data import CannotCompare, RunData, Verdict, Where
from vfr_bench.io_errors import explain
from vfr_bench.jsonl import StoreError
from vfr_bench.metrics import get_metric
from vfr_bench.records import Manifest, SampleRecord, ScoreRecord
from vfr_bench.run_dir import RunDirError
from vfr_bench.run_view import RunView, load_run
from vfr_bench.scoring.summary import score_arrays
from vfr_bench.stats import aggregate, paired_bootstrap_delta, resample_indices, two_proportion

# metric metadata that does not change what a score means (shown, never compared)
DESCRIPTIVE_KEYS = ("name", "kind", "aggregation", "higher_is_better", "unit")


def read_run(path: Path, role: str) -> RunView:
    """A scored run's records, read once (each model's RunData is taken from them); CannotCompare
    where it is unscored, damaged or unreadable."""
    try:
        view = load_run(path, summary="none")
        if not view.scored:
            raise CannotCompare(f"{role} {path} has not been scored: run `{cli_command()} score {path}` first")
        _ = view.scores  # read here, where a damaged scores.jsonl becomes CannotCompare
    except (RunDirError, StoreError, OSError) as err:  # a damaged or unreadable run is no evidence either way
        raise CannotCompare(f"{role}: {explain(err)}") from None
    return view


def side_models(view: RunView) -> list[str]:
    """The models of a run with at least one ok sample, sorted: those a gate can compare."""
    return sorted({s.model for s in view.samples if s.ok})


def load_side(path: Path, model: str | None, role: str) -> RunData:
    """One model's records of a run: `model`, or the run's only model."""
    return model_data(read_run(path, role), model, role)


def model_data(view: RunView, model: str | None, role: str) -> RunData:
    path, everything, scored = view.path, view.samples, view.scores
    models = side_models(view)
    if model is None:
        if len(models) != 1:
            raise CannotCompare(f"{role} {path} holds models {models}; name one with --{role}-model")
        model = models[0]
    elif model not in models:
        raise CannotCompare(f"{role} {path} has no ok samples of model {model!r} (it has {models})")
    by_sample = {(_where(s), s.sample_id): s for s in everything if s.ok and s.model == model}
    scores: dict[tuple[Where, str], dict[str, ScoreRecord]] = defaultdict(dict)
    failed: dict[tuple[Where, str], dict[str, str]] = defaultdict(dict)
    for sc in scored:
        if sc.model != model:
            continue
        if sc.value is not None:
            scores[(_where(sc), sc.metric)][sc.sample_id] = sc
        else:
            failed[(_where(sc), sc.metric)][sc.sample_id] = sc.error or "no value"
    attempted = {(_where(s), s.sample_id) for s in everything if s.model == model}
    return RunData(Path(path), view.manifest, model, by_sample, dict(scores), attempted, dict(failed))


def _where(record: SampleRecord | ScoreRecord) -> Where:
    return Where(record.task, record.rate_spec, record.batch_size)


def check_comparable(base: RunData, cand: RunData, tasks: list[str], metrics: list[str]) -> None:
    """Same data (content hash per task) and the same metric, normaliser and judge versions."""
    problems = []
    for task in tasks:
        bh, ch = (_content_hash(run.manifest, task) for run in (base, cand))
        if bh != ch:
            problems.append(f"task {task!r}: the data differ (baseline {bh}, candidate {ch})")
        problems += _task_definition_problems(base, cand, task)
    for metric in metrics:
        bm, cm = base.manifest.metrics.get(metric) or {}, cand.manifest.metrics.get(metric) or {}
        for key in sorted(set(bm) | set(cm)):
            if key not in DESCRIPTIVE_KEYS and bm.get(key) != cm.get(key):
                problems.append(
                    f"metric {metric!r}: {key} differs (baseline {bm.get(key)!r}, candidate {cm.get(key)!r})"
                )
    if problems:
        raise CannotCompare("the runs cannot be compared: " + "; ".join(problems))


def _task_definition_problems(base: RunData, cand: RunData, task: str) -> list[str]:
    """A task is compared only with itself: the same version and definition (the task fingerprint on
    its sample records), and the same data sample by sample (their data fingerprints), where both
    runs record them (runs made before fingerprints say nothing either way)."""
    out = []
    bv, cv = (_task_version(run, task) for run in (base, cand))
    if bv is not None and cv is not None and bv != cv:
        out.append(f"task {task!r}: its version differs (baseline v{bv}, candidate v{cv})")
    bf, cf = (_fingerprints(run, task, "task") for run in (base, cand))
    if bf and cf and set(bf.values()) != set(cf.values()):
        out.append(f"task {task!r}: its definition changed between the runs (task fingerprints differ)")
    bd, cd = (_fingerprints(run, task, "data") for run in (base, cand))
    changed = sorted(k for k in set(bd) & set(cd) if bd[k] != cd[k])
    if changed:
        out.append(f"task {task!r}: the data of {len(changed)} shared sample(s) differ (first: {changed[0][1]!r})")
    return out


def _task_version(run: RunData, task: str) -> int | None:
    info = run.manifest.tasks.get(task)
    versions = {s.task_version for (w, _), s in run.samples.items() if w.task == task and s.task_version is not None}
    return info.version if info and info.version is not None else (min(versions) if versions else None)


def _fingerprints(run: RunData, task: str, part: str) -> dict[tuple[Where, str], str]:
    """(where, sample id) -> the sample's `part` fingerprint, for the ok samples of `task` that have one."""
    return {
        (where, sample_id): getattr(s.fingerprint, part)
        for (where, sample_id), s in run.samples.items()
        if where.task == task and s.fingerprint is not None
    }


def self_gate_warning(base: RunData, cand: RunData) -> list[str]:
    """A run gated against itself passes by construction: say so rather than let it read as evidence."""
    if Path(base.path).resolve() == Path(cand.path).resolve() and base.model == cand.model:
        return [f"baseline and candidate are the same run ({base.path}, {base.model}): this gate compares it "
                "with itself and proves nothing"]  # fmt: skip
    return []


def _content_hash(manifest: Manifest, task: str) -> str | None:
    info = manifest.tasks.get(task)
    return info.content_hash if info else None


def compare(base: RunData, cand: RunData, config: GateConfig) -> list[Verdict]:
    baseline_quality = {k for k in base.scores if get_metric(k[1]).kind == "quality"}
    quality_cells = sorted(baseline_quality & set(cand.scores))
    rate_cells = sorted(base.places() & cand.places())
    if not quality_cells and not rate_cells:
        raise CannotCompare(
            f"no shared cells: baseline has {', '.join(sorted(w.describe() for w in base.places()))}; "
            f"candidate {', '.join(sorted(w.describe() for w in cand.places()))}"
        )
    check_comparable(
        base,
        cand,
        sorted({w.task for w, _ in quality_cells} | {w.task for w in rate_cells}),
        sorted({m for _, m in quality_cells}),
    )
    rng = np.random.default_rng(config.seed)
    verdicts = coverage_verdicts(base, cand, config) + score_coverage_verdicts(
        base, cand, sorted(baseline_quality), config
    )
    verdicts += [
        quality_verdict(base, cand, cell, config.rule_for(cell[0].task, cell[0].rate, cell[1]), config, rng)
        for cell in quality_cells
    ]
    for where in rate_cells:
        verdicts.extend(rate_verdicts(base, cand, where, config))
        latency = latency_verdict(base, cand, where, config, rng)
        if latency is not None:
            verdicts.append(latency)
    return verdicts


def quality_verdict(
    base: RunData, cand: RunData, cell: tuple[Where, str], rule: Rule, config: GateConfig, rng: np.random.Generator
) -> Verdict:
    (task, rate, batch), name = cell
    metric = get_metric(name)
    ids = sorted(set(base.scores[cell]) & set(cand.scores[cell]))
    sign = 1.0 if metric.higher_is_better is False else -1.0  # worse = sign x (candidate - baseline)
    if not ids:
        return Verdict(
            "quality", task, rate, name, None, None, None, None, None, 0, rule.describe(), "report-only",
            "no shared samples in this cell", batch,
        )  # fmt: skip
    b = score_arrays([base.scores[cell][i] for i in ids])
    c = score_arrays([cand.scores[cell][i] for i in ids])
    b_value, c_value = aggregate(metric.aggregation, *b), aggregate(metric.aggregation, *c)
    allowed = rule.allowed(b_value if b_value is not None else 0.0)
    low: float | None
    high: float | None
    if rule.test == "two-proportion":
        low, high, significant = two_proportion(b[0], c[0], sign, config.confidence)
    else:
        low, high = paired_bootstrap_delta(metric.aggregation, b, c, rng, config.resamples, config.confidence)
        worse_low = None if low is None or high is None else (low if sign > 0 else -high)
        significant = worse_low is not None and worse_low > 0
    delta = None if b_value is None or c_value is None else c_value - b_value
    worse = None if delta is None else sign * delta
    if worse is not None and worse > allowed and significant:
        verdict = "fail"
        reason = f"worse by {worse:.4g} (allowed {allowed:.4g}), significant at {config.confidence:.0%}"
    elif worse is not None and worse > allowed:
        verdict, reason = "pass", f"worse by {worse:.4g} but within the noise at {config.confidence:.0%}"
    else:
        verdict, reason = "pass", "within the allowed regression"
    if rule.report_only:
        verdict, reason = "report-only", reason + " (report-only rule)"
    return Verdict(
        "quality", task, rate, name, b_value, c_value, delta, low, high, len(ids), rule.describe(), verdict, reason,
        batch,
    )  # fmt: skip


def _shared_ids(base: RunData, cand: RunData, where: Where) -> list[str]:
    return sorted(base.ids(where) & cand.ids(where))


def rate_verdicts(base: RunData, cand: RunData, where: Where, config: GateConfig) -> list[Verdict]:
    ids = _shared_ids(base, cand, where)
    out = []
    for side in ("input", "output"):
        errors: dict[str, float | None] = {}
        for role, run in (("baseline", base), ("candidate", cand)):
            vals = [getattr(run.samples[(where, i)], f"{side}_rate_error") for i in ids]
            found = [abs(v) for v in vals if v is not None]
            errors[role] = float(np.mean(found)) if found else None
        candidate, baseline = errors["candidate"], errors["baseline"]
        if candidate is None:
            continue
        ok = candidate <= config.rate_max_abs_error
        verdict = "pass" if ok else "fail"
        reason = (
            f"mean |{side} rate error| {candidate:.3f} {'within' if ok else 'exceeds'} {config.rate_max_abs_error:g}"
        )
        if config.rate_report_only:
            verdict, reason = "report-only", reason + " (report-only)"
        delta = None if baseline is None else candidate - baseline
        out.append(
            Verdict(
                "rate", where.task, where.rate, f"{side}_rate_abs_error", baseline, candidate, delta, None, None,
                len(ids), f"<= {config.rate_max_abs_error:g}", verdict, reason, where.batch,
            )
        )  # fmt: skip
    return out


def latency_verdict(
    base: RunData, cand: RunData, where: Where, config: GateConfig, rng: np.random.Generator
) -> Verdict | None:
    metric = get_metric(config.latency_metric)
    timing = metric.requires[0].split(".", 1)[1]  # timings.t_total -> t_total
    ids = _shared_ids(base, cand, where)
    b = np.array([getattr(base.samples[(where, i)].timings, timing) for i in ids], dtype=float)
    c = np.array([getattr(cand.samples[(where, i)].timings, timing) for i in ids], dtype=float)
    keep = np.isfinite(b) & np.isfinite(c)
    b, c = b[keep], c[keep]
    if len(b) == 0:
        return None
    stat = _statistic(metric.aggregation)
    ratio = float(stat(c) / stat(b))
    idx = resample_indices(rng, len(b), config.resamples)
    ratios = stat(c[idx], axis=1) / stat(b[idx], axis=1)
    alpha = 1 - config.confidence
    low, high = float(np.quantile(ratios, alpha / 2)), float(np.quantile(ratios, 1 - alpha / 2))
    slower = ratio > config.latency_max_ratio and low > 1.0
    verdict, reason = "fail" if slower else "pass", latency_reason(config, ratio, low, high)
    if config.latency_report_only:
        verdict, reason = (
            "report-only",
            reason
            + (
                "; report-only: resampling within a run cannot tell a slower checkpoint from a busier machine, so "
                "latency gates only with latency.report_only: false, on the same hardware"
            ),
        )
    elif base.hardware() != cand.hardware():
        verdict, reason = (
            "report-only",
            reason + f"; report-only: different hardware ({base.hardware()} vs {cand.hardware()})",
        )
    return Verdict(
        "latency", where.task, where.rate, config.latency_metric, float(stat(b)), float(stat(c)), ratio, low, high,
        len(b), f"ratio <= {config.latency_max_ratio:g}", verdict, reason, where.batch,
    )  # fmt: skip


def latency_reason(config: GateConfig, ratio: float, low: float, high: float) -> str:
    """What was decided about a latency ratio and why, in words that match the verdict."""
    level = f"{config.confidence:.0%} CI of the ratio {low:.3f}-{high:.3f}"
    head = f"{config.latency_metric} ratio {ratio:.3f}"
    if ratio <= config.latency_max_ratio:
        return f"{head} is within {config.latency_max_ratio:g}"
    if low > 1.0:
        return f"{head} exceeds {config.latency_max_ratio:g}, significantly ({level}, above 1)"
    return f"{head} exceeds {config.latency_max_ratio:g} but not significantly ({level} includes 1)"


def _statistic(aggregation: str):
    if aggregation == "mean":
        return lambda x, axis=None: np.mean(x, axis=axis)
    return lambda x, axis=None: np.percentile(x, float(aggregation[1:]), axis=axis)
