"""Compare a candidate run with a baseline on the cells they share: (task, rate spec, metric).

Quality: a cell fails when the candidate is worse by more than the rule allows AND the difference
is significant at the configured confidence (paired bootstrap over the shared samples, or a
two-proportion test), so a difference inside the noise passes and a real drop fails.
Rate fidelity: the candidate's mean |rate error| must stay within a tolerance.
Latency: the candidate / baseline ratio of the latency metric, significantly above its tolerance, fails.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from vfr_bench.gate.config import GateConfig, Rule
from vfr_bench.metrics import get_metric
from vfr_bench.run_dir import MANIFEST, SAMPLES, SCORES, read_jsonl
from vfr_bench.scoring import aggregate, resampled_aggregates

RATE_METRIC_PREFIXES = ("achieved_", "input_rate", "output_rate")


class CannotCompare(RuntimeError):
    """The two runs cannot be compared; the message says why (exit code 2)."""


@dataclass
class RunData:
    path: Path
    manifest: dict
    model: str
    samples: dict[tuple[str, str, str], dict]  # (task, rate, sample id) -> ok sample record
    scores: dict[tuple[str, str, str], dict]  # (task, rate, metric) -> {sample id: score record}
    attempted: set[tuple[str, str, str]] = field(default_factory=set)  # every (task, rate, id) recorded

    def hardware(self) -> str:
        hw = self.manifest.get("hardware") or {}
        gpus = ", ".join(g.get("name", "") for g in hw.get("gpus") or [])
        return gpus or hw.get("cpu") or "unknown"


@dataclass
class Verdict:
    kind: str  # quality | rate | latency
    task: str
    rate: str
    metric: str
    baseline: float | None
    candidate: float | None
    delta: float | None  # candidate - baseline (ratio for latency)
    ci_low: float | None
    ci_high: float | None
    n: int
    allowed: str
    verdict: str  # pass | fail | report-only
    reason: str

    def to_json(self) -> dict:
        return asdict(self)


def load_run(path: Path, model: str | None, role: str) -> RunData:
    path = Path(path)
    if not (path / MANIFEST).is_file():
        raise CannotCompare(f"{role} {path} is not a run directory (no {MANIFEST})")
    manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    if not (path / SCORES).is_file():
        raise CannotCompare(f"{role} {path} has not been scored: run `vfr-bench score {path}` first")
    everything = read_jsonl(path / SAMPLES)
    samples = [s for s in everything if s.get("status") == "ok"]
    models = sorted({s["model"] for s in samples})
    if model is None:
        if len(models) != 1:
            raise CannotCompare(f"{role} {path} holds models {models}; name one with --{role}-model")
        model = models[0]
    elif model not in models:
        raise CannotCompare(f"{role} {path} has no ok samples of model {model!r} (it has {models})")
    by_sample = {(s["task"], s["rate_spec"], s["sample_id"]): s for s in samples if s["model"] == model}
    scores: dict[tuple[str, str, str], dict] = defaultdict(dict)
    for sc in read_jsonl(path / SCORES):
        if sc["model"] == model and sc.get("value") is not None:
            scores[(sc["task"], sc["rate_spec"], sc["metric"])][sc["sample_id"]] = sc
    attempted = {(s["task"], s["rate_spec"], s["sample_id"]) for s in everything if s["model"] == model}
    return RunData(path, manifest, model, by_sample, dict(scores), attempted)


def check_comparable(base: RunData, cand: RunData, tasks: list[str], metrics: list[str]) -> None:
    """Same data (content hash per task) and the same metric, normaliser and judge versions."""
    problems = []
    for task in tasks:
        bh = ((base.manifest.get("tasks") or {}).get(task) or {}).get("dataset", {}).get("content_hash")
        ch = ((cand.manifest.get("tasks") or {}).get(task) or {}).get("dataset", {}).get("content_hash")
        if bh != ch:
            problems.append(f"task {task!r}: the data differ (baseline {bh}, candidate {ch})")
    for metric in metrics:
        bm = (base.manifest.get("metrics") or {}).get(metric) or {}
        cm = (cand.manifest.get("metrics") or {}).get(metric) or {}
        for key in sorted(set(bm) | set(cm)):
            if key in ("name", "aggregation", "higher_is_better", "unit"):
                continue
            if bm.get(key) != cm.get(key):
                problems.append(
                    f"metric {metric!r}: {key} differs (baseline {bm.get(key)!r}, candidate {cm.get(key)!r})"
                )
    if problems:
        raise CannotCompare("the runs cannot be compared: " + "; ".join(problems))


def is_quality(metric: str) -> bool:
    return not metric.startswith(RATE_METRIC_PREFIXES) and not metric.startswith(
        ("t_", "rtf", "ms_per", "ar_roof", "prefill_roof")
    )


def compare(base: RunData, cand: RunData, config: GateConfig) -> list[Verdict]:
    quality_cells = sorted(k for k in set(base.scores) & set(cand.scores) if is_quality(k[2]))
    rate_cells = sorted({(t, r) for (t, r, _) in base.samples} & {(t, r) for (t, r, _) in cand.samples})
    if not quality_cells and not rate_cells:
        raise CannotCompare(
            f"no shared cells: baseline has tasks/rates {sorted({k[:2] for k in base.samples})}, "
            f"candidate {sorted({k[:2] for k in cand.samples})}"
        )
    check_comparable(
        base,
        cand,
        sorted({c[0] for c in quality_cells} | {t for t, _ in rate_cells}),
        sorted({c[2] for c in quality_cells}),
    )
    rng = np.random.default_rng(config.seed)
    verdicts = coverage_verdicts(base, cand, config)
    verdicts += [quality_verdict(base, cand, cell, config.rule_for(*cell), config, rng) for cell in quality_cells]
    for task, rate in rate_cells:
        verdicts.extend(rate_verdicts(base, cand, task, rate, config))
        latency = latency_verdict(base, cand, task, rate, config, rng)
        if latency is not None:
            verdicts.append(latency)
    return verdicts


def coverage_verdicts(base: RunData, cand: RunData, config: GateConfig) -> list[Verdict]:
    """Samples the baseline answered that the candidate failed on or never ran, per (task, rate): the
    quality cells compare only what both answered, so a candidate that fails on the hard ones must
    not pass on the easy ones."""
    out = []
    for task, rate in sorted({(t, r) for (t, r, _) in base.samples}):
        answered = {i for (t, r, i) in base.samples if (t, r) == (task, rate)}
        kept = {i for (t, r, i) in cand.samples if (t, r) == (task, rate)}
        lost = answered - kept
        if not lost and (task, rate) in {(t, r) for (t, r, _) in cand.attempted}:
            continue
        ran = {i for (t, r, i) in cand.attempted if (t, r) == (task, rate)}
        why = (
            f"the candidate has no ok sample in this cell ({len(ran)} recorded)"
            if not kept
            else f"{len(lost)} of {len(answered)} samples the baseline answered failed or are missing in the candidate"
        )
        verdict = "fail" if len(lost) > config.max_lost_samples else "pass"
        out.append(
            Verdict(
                "coverage",
                task,
                rate,
                "lost_samples",
                float(len(answered)),
                float(len(kept & answered)),
                float(-len(lost)),
                None,
                None,
                len(answered),
                f"<= {config.max_lost_samples} lost",
                verdict,
                why,
            )
        )
    return out


def _arrays(scores: dict, ids: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    values = np.array([scores[i]["value"] for i in ids], dtype=float)
    num = np.array([scores[i].get("numerator") or 0.0 for i in ids], dtype=float)
    den = np.array([scores[i].get("denominator") or 0.0 for i in ids], dtype=float)
    return values, num, den


def quality_verdict(
    base: RunData, cand: RunData, cell: tuple[str, str, str], rule: Rule, config: GateConfig, rng: np.random.Generator
) -> Verdict:
    task, rate, name = cell
    metric = get_metric(name)
    ids = sorted(set(base.scores[cell]) & set(cand.scores[cell]))
    sign = 1.0 if metric.higher_is_better is False else -1.0  # worse = sign x (candidate - baseline)
    if not ids:
        return Verdict(
            "quality",
            task,
            rate,
            name,
            None,
            None,
            None,
            None,
            None,
            0,
            rule.describe(),
            "report-only",
            "no shared samples in this cell",
        )
    b, c = _arrays(base.scores[cell], ids), _arrays(cand.scores[cell], ids)
    b_value, c_value = aggregate(metric, *b), aggregate(metric, *c)
    allowed = rule.allowed(b_value if b_value is not None else 0.0)
    alpha = 1 - config.confidence
    if rule.test == "two-proportion":
        low, high, significant = _two_proportion(b[0], c[0], sign, alpha)
    else:
        idx = rng.integers(0, len(ids), size=(config.resamples, len(ids)))
        deltas = resampled_aggregates(metric, *c, idx) - resampled_aggregates(metric, *b, idx)
        deltas = deltas[np.isfinite(deltas)]
        low, high = (
            (float(np.quantile(deltas, alpha / 2)), float(np.quantile(deltas, 1 - alpha / 2)))
            if len(deltas)
            else (None, None)
        )
        worse_low = None if low is None else (low if sign > 0 else -high)
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
        "quality", task, rate, name, b_value, c_value, delta, low, high, len(ids), rule.describe(), verdict, reason
    )


def _two_proportion(b: np.ndarray, c: np.ndarray, sign: float, alpha: float) -> tuple[float, float, bool]:
    """Pooled two-proportion z-test on 0/1 outcomes; CI of the difference from the unpooled error."""
    from statistics import NormalDist

    n_b, n_c = len(b), len(c)
    p_b, p_c = float(b.mean()), float(c.mean())
    z_crit = NormalDist().inv_cdf(1 - alpha / 2)
    se_unpooled = math.sqrt(p_b * (1 - p_b) / n_b + p_c * (1 - p_c) / n_c)
    pooled = (b.sum() + c.sum()) / (n_b + n_c)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n_b + 1 / n_c))
    diff = p_c - p_b
    z = sign * diff / se_pooled if se_pooled > 0 else 0.0
    return diff - z_crit * se_unpooled, diff + z_crit * se_unpooled, z > z_crit


def rate_verdicts(base: RunData, cand: RunData, task: str, rate: str, config: GateConfig) -> list[Verdict]:
    ids = sorted(
        {k[2] for k in base.samples if k[:2] == (task, rate)} & {k[2] for k in cand.samples if k[:2] == (task, rate)}
    )
    out = []
    for side in ("input", "output"):
        errors = {}
        for role, run in (("baseline", base), ("candidate", cand)):
            vals = [run.samples[(task, rate, i)].get(f"{side}_rate_error") for i in ids]
            vals = [abs(v) for v in vals if v is not None]
            errors[role] = float(np.mean(vals)) if vals else None
        if errors["candidate"] is None:
            continue
        ok = errors["candidate"] <= config.rate_max_abs_error
        verdict = "pass" if ok else "fail"
        reason = (
            f"mean |{side} rate error| {errors['candidate']:.3f} "
            f"{'within' if ok else 'exceeds'} {config.rate_max_abs_error:g}"
        )
        if config.rate_report_only:
            verdict, reason = "report-only", reason + " (report-only)"
        delta = None if errors["baseline"] is None else errors["candidate"] - errors["baseline"]
        out.append(
            Verdict(
                "rate",
                task,
                rate,
                f"{side}_rate_abs_error",
                errors["baseline"],
                errors["candidate"],
                delta,
                None,
                None,
                len(ids),
                f"<= {config.rate_max_abs_error:g}",
                verdict,
                reason,
            )
        )
    return out


def latency_verdict(
    base: RunData, cand: RunData, task: str, rate: str, config: GateConfig, rng: np.random.Generator
) -> Verdict | None:
    timing, _, agg = config.latency_metric.rpartition("_")
    if not timing or agg not in ("p50", "p90", "p95", "mean"):
        timing, agg = config.latency_metric, "p50"
    ids = sorted(
        {k[2] for k in base.samples if k[:2] == (task, rate)} & {k[2] for k in cand.samples if k[:2] == (task, rate)}
    )
    b = np.array([(base.samples[(task, rate, i)].get("timings") or {}).get(timing) for i in ids], dtype=float)
    c = np.array([(cand.samples[(task, rate, i)].get("timings") or {}).get(timing) for i in ids], dtype=float)
    keep = np.isfinite(b) & np.isfinite(c)
    b, c = b[keep], c[keep]
    if len(b) == 0:
        return None

    def stat(x, axis=None):
        return np.mean(x, axis=axis) if agg == "mean" else np.percentile(x, float(agg[1:]), axis=axis)

    ratio = float(stat(c) / stat(b))
    idx = rng.integers(0, len(b), size=(config.resamples, len(b)))
    ratios = stat(c[idx], axis=1) / stat(b[idx], axis=1)
    alpha = 1 - config.confidence
    low, high = float(np.quantile(ratios, alpha / 2)), float(np.quantile(ratios, 1 - alpha / 2))
    slower = ratio > config.latency_max_ratio and low > 1.0
    verdict = "fail" if slower else "pass"
    reason = (
        f"{config.latency_metric} ratio {ratio:.3f} "
        + ("exceeds" if slower else "within")
        + f" {config.latency_max_ratio:g}"
    )
    if config.latency_report_only:
        verdict, reason = "report-only", reason + " (report-only)"
    elif base.hardware() != cand.hardware():
        verdict, reason = "report-only", reason + f" (different hardware: {base.hardware()} vs {cand.hardware()})"
    return Verdict(
        "latency",
        task,
        rate,
        config.latency_metric,
        float(stat(b)),
        float(stat(c)),
        ratio,
        low,
        high,
        len(b),
        f"ratio <= {config.latency_max_ratio:g}",
        verdict,
        reason,
    )
