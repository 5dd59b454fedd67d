"""Gate rules (gates.yaml): how much each metric may regress, and how that is tested.

confidence: 0.95            # level of the paired bootstrap / two-proportion test
resamples: 2000
seed: 0
rules:                      # the most specific matching rule wins (task, rate and metric > metric only)
  - metric: wer
    max_regression: 0.01    # absolute; "5%" is relative to the baseline's value
  - metric: wer
    task: asr
    rate: "4"
    max_regression: 0.03
  - metric: accuracy
    max_regression: 0.02
    test: two-proportion    # or paired-bootstrap (the default)
  - metric: utmos
    report_only: true       # printed, never fails: for a metric being calibrated
rate_fidelity:
  max_abs_error: 0.10       # the candidate's mean |achieved/requested - 1|, per side
latency:
  metric: t_total_p50
  max_ratio: 1.25           # candidate / baseline
  report_only: false
max_lost_samples: 0         # samples the baseline answered that the candidate failed or lacks
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_ABSOLUTE = {"wer": 0.01, "cer": 0.01}
LATENCY_TIMINGS = ("t_total", "t_first_token", "t_first_audio", "t_ar")
DEFAULT_RELATIVE = 0.05
TESTS = ("paired-bootstrap", "two-proportion")


class GateConfigError(ValueError):
    """A gates.yaml that cannot be used; the message names the rule."""


@dataclass(frozen=True)
class Rule:
    metric: str
    max_regression: float
    relative: bool = False
    task: str | None = None
    rate: str | None = None
    test: str = "paired-bootstrap"
    report_only: bool = False
    source: str = "default"

    def matches(self, task: str, rate: str, metric: str) -> bool:
        return self.metric == metric and self.task in (None, task) and self.rate in (None, rate)

    def specificity(self) -> int:
        return (self.task is not None) + (self.rate is not None)

    def allowed(self, baseline_value: float) -> float:
        return self.max_regression * abs(baseline_value) if self.relative else self.max_regression

    def describe(self) -> str:
        amount = f"{self.max_regression:.1%} of baseline" if self.relative else f"{self.max_regression:g}"
        return f"{amount}, {self.test}" + (", report-only" if self.report_only else "")


@dataclass(frozen=True)
class GateConfig:
    confidence: float = 0.95
    resamples: int = 2000
    seed: int = 0
    rules: tuple[Rule, ...] = ()
    rate_max_abs_error: float = 0.10
    rate_report_only: bool = False
    latency_metric: str = "t_total_p50"
    latency_max_ratio: float = 1.25
    latency_report_only: bool = False
    max_lost_samples: int = 0  # samples the baseline answered that the candidate failed or lacks
    source: str = "defaults"
    raw: dict[str, Any] = field(default_factory=dict)

    def rule_for(self, task: str, rate: str, metric: str) -> Rule:
        matching = [r for r in self.rules if r.matches(task, rate, metric)]
        if matching:
            return max(matching, key=Rule.specificity)
        if metric in DEFAULT_ABSOLUTE:
            return Rule(metric, DEFAULT_ABSOLUTE[metric])
        return Rule(metric, DEFAULT_RELATIVE, relative=True)


def _amount(value: Any, where: str) -> tuple[float, bool]:
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return float(value.strip()[:-1]) / 100.0, True
        except ValueError:
            raise GateConfigError(f"{where}: {value!r} is not a percentage") from None
    try:
        amount = float(value)
    except (TypeError, ValueError):
        raise GateConfigError(f"{where}: max_regression {value!r} is not a number or a percentage") from None
    if amount < 0:
        raise GateConfigError(f"{where}: max_regression must not be negative")
    return amount, False


def _rate_label(value: Any, where: str) -> str | None:
    """A rule's rate as the run directory writes it ("4", "6.25:12.5"); YAML reads an unquoted
    25:12.5 as a base-60 number, so IN:OUT must be quoted."""
    if value is None:
        return None
    from vfr_bench.rates import RateSpecError, parse_rate_spec

    try:
        return parse_rate_spec(str(value)).label
    except RateSpecError as err:
        raise GateConfigError(f"{where}: {err}") from None


def load_config(path: str | Path | None) -> GateConfig:
    if path is None:
        return GateConfig()
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise GateConfigError(f"{path}: cannot read gate config ({err})") from None
    if not isinstance(raw, dict):
        raise GateConfigError(f"{path}: a gate config is a mapping")
    unknown = set(raw) - {"confidence", "resamples", "seed", "rules", "rate_fidelity", "latency", "max_lost_samples"}
    if unknown:
        raise GateConfigError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    confidence = float(raw.get("confidence", 0.95))
    if not 0.5 <= confidence < 1:
        raise GateConfigError(f"{path}: confidence must be in [0.5, 1), got {confidence}")
    rules = []
    for i, item in enumerate(raw.get("rules") or [], 1):
        where = f"{path}: rule {i}"
        if not isinstance(item, dict) or "metric" not in item:
            raise GateConfigError(f"{where}: each rule is a mapping with at least 'metric'")
        extra = set(item) - {"metric", "task", "rate", "max_regression", "test", "report_only"}
        if extra:
            raise GateConfigError(f"{where}: unknown key(s) {', '.join(sorted(extra))}")
        if "max_regression" not in item and not item.get("report_only"):
            raise GateConfigError(f"{where}: give max_regression (or report_only: true)")
        amount, relative = _amount(item.get("max_regression", 0), where)
        test = item.get("test", "paired-bootstrap")
        if test not in TESTS:
            raise GateConfigError(f"{where}: test {test!r} is not one of {TESTS}")
        rules.append(
            Rule(
                str(item["metric"]),
                amount,
                relative,
                item.get("task"),
                _rate_label(item.get("rate"), where),
                test,
                bool(item.get("report_only", False)),
                source=f"{path.name} rule {i}",
            )
        )
    rate = raw.get("rate_fidelity") or {}
    latency = raw.get("latency") or {}
    latency_metric = str(latency.get("metric", "t_total_p50"))
    timing, _, agg = latency_metric.rpartition("_")
    if timing not in LATENCY_TIMINGS or agg not in ("mean", "p50", "p90", "p95"):
        raise GateConfigError(
            f"{path}: latency metric {latency_metric!r} is not one of "
            f"{{{','.join(LATENCY_TIMINGS)}}}_{{mean,p50,p90,p95}}"
        )
    return GateConfig(
        confidence=confidence,
        resamples=int(raw.get("resamples", 2000)),
        seed=int(raw.get("seed", 0)),
        rules=tuple(rules),
        rate_max_abs_error=float(rate.get("max_abs_error", 0.10)),
        rate_report_only=bool(rate.get("report_only", False)),
        latency_metric=latency_metric,
        max_lost_samples=int(raw.get("max_lost_samples", 0)),
        latency_max_ratio=float(latency.get("max_ratio", 1.25)),
        latency_report_only=bool(latency.get("report_only", False)),
        source=str(path),
        raw=raw,
    )
