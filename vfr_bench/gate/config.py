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
      - metric: qa_accuracy
        max_regression: 0.02
        test: two-proportion    # or paired-bootstrap (the default)
      - metric: utmos
        report_only: true       # printed, never fails: for a metric being calibrated
    rate_fidelity:
      max_abs_error: 0.10       # the candidate's mean |achieved/requested - 1|, per side
      report_only: false
    latency:
      metric: t_total_p50
      max_ratio: 1.25           # candidate / baseline
      report_only: true         # the default: set false to gate on latency (same hardware only)
    max_lost_samples: 0         # samples the baseline answered that the candidate failed or lacks

A metric no rule names gets its own default (`gate_default` in its metadata: 0.01 absolute for
WER and CER, 5% of the baseline otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from vfr_bench.stats import BOOTSTRAP_RESAMPLES
from vfr_bench.strict_yaml import YamlError, load_yaml
from vfr_bench.validation import ConfigError, Strict, validate

Test = Literal["paired-bootstrap", "two-proportion"]


class GateConfigError(ConfigError):
    """A gates.yaml that cannot be used; the message names the file, the key and what was expected."""


@dataclass(frozen=True)
class Rule:
    metric: str
    max_regression: float
    relative: bool = False
    task: str | None = None
    rate: str | None = None
    test: Test = "paired-bootstrap"
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


def parse_amount(value: Any) -> tuple[float, bool]:
    """(amount, relative) from 0.01 or "5%"."""
    text = str(value).strip()
    relative = text.endswith("%")
    try:
        amount = float(text[:-1] if relative else text)
    except ValueError:
        raise ValueError(f"{value!r} is not a number or a percentage") from None
    if amount < 0:
        raise ValueError("must not be negative")
    return (amount / 100.0 if relative else amount), relative


@dataclass(frozen=True)
class GateConfig:
    confidence: float = 0.95
    resamples: int = BOOTSTRAP_RESAMPLES
    seed: int = 0
    rules: tuple[Rule, ...] = ()
    rate_max_abs_error: float = 0.10
    rate_report_only: bool = False
    latency_metric: str = "t_total_p50"
    latency_max_ratio: float = 1.25
    latency_report_only: bool = True  # see LatencyFile
    max_lost_samples: int = 0  # samples the baseline answered that the candidate failed or lacks
    source: str = "defaults"
    raw: dict[str, Any] = field(default_factory=dict)

    def rule_for(self, task: str, rate: str, metric: str) -> Rule:
        matching = [r for r in self.rules if r.matches(task, rate, metric)]
        if matching:
            return max(matching, key=Rule.specificity)
        from vfr_bench.metrics import get_metric

        amount, relative = parse_amount(get_metric(metric).gate_default)
        return Rule(metric, amount, relative)


# ---- the file ---------------------------------------------------------------------------------------


class RuleFile(Strict):
    metric: str
    task: str | None = None
    rate: str | None = None
    max_regression: float | str | None = None
    test: Test = "paired-bootstrap"
    report_only: bool = False

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, name: str) -> str:
        from vfr_bench.metrics import get_metric
        from vfr_bench.registry import UnknownName

        try:
            get_metric(name)
        except UnknownName as err:
            raise ValueError(str(err)) from None
        return name

    @field_validator("rate", mode="before")
    @classmethod
    def _rate_label(cls, value: Any) -> Any:
        """A rule's rate as the run directory writes it ("4", "6.25:12.5"); YAML reads an unquoted
        25:12.5 as a base-60 number, so IN:OUT must be quoted."""
        if value is None:
            return None
        from vfr_bench.rates import parse_rate_spec

        return parse_rate_spec(str(value)).label

    @field_validator("max_regression")
    @classmethod
    def _amount(cls, value: Any) -> Any:
        if value is not None:
            parse_amount(value)
        return value


class RateFidelityFile(Strict):
    max_abs_error: float = Field(0.10, ge=0)
    report_only: bool = False


class LatencyFile(Strict):
    metric: str = "t_total_p50"
    max_ratio: float = Field(1.25, gt=0)
    # two runs of one checkpoint on one busy machine differ by 1.4-2.3x in t_total: latency is shown,
    # not gated, unless the user asks (and then only between runs on the same hardware)
    report_only: bool = True

    @field_validator("metric")
    @classmethod
    def _latency_metric(cls, value: str) -> str:
        from vfr_bench.metrics.latency import AGGREGATIONS, TIMINGS

        timing, _, agg = value.rpartition("_")
        if timing not in TIMINGS or agg not in AGGREGATIONS:
            raise ValueError(f"not one of {{{','.join(TIMINGS)}}}_{{{','.join(AGGREGATIONS)}}}")
        return value


class GateFile(Strict):
    confidence: float = Field(0.95, ge=0.5, lt=1)
    resamples: int = Field(BOOTSTRAP_RESAMPLES, ge=100)
    seed: int = 0
    rules: list[RuleFile] = Field(default_factory=list)
    rate_fidelity: RateFidelityFile = RateFidelityFile()
    latency: LatencyFile = LatencyFile()
    max_lost_samples: int = Field(0, ge=0)


def load_config(path: str | Path | None) -> GateConfig:
    if path is None:
        return GateConfig()
    path = Path(path)
    try:
        raw = load_yaml(path) or {}
    except YamlError as err:
        raise GateConfigError(f"cannot read the gate config: {err}") from None
    try:
        parsed = validate(GateFile, raw, str(path))
    except ConfigError as err:
        raise GateConfigError(str(err)) from None
    rules = []
    for i, item in enumerate(parsed.rules, 1):
        if item.max_regression is None and not item.report_only:
            raise GateConfigError(f"{path}: rules.{i - 1}: give max_regression (or report_only: true)")
        amount, relative = parse_amount(item.max_regression or 0)
        rules.append(
            Rule(
                item.metric,
                amount,
                relative,
                item.task,
                item.rate,
                item.test,
                item.report_only,
                f"{path.name} rule {i}",
            )
        )
    return GateConfig(
        confidence=parsed.confidence, resamples=parsed.resamples, seed=parsed.seed, rules=tuple(rules),
        rate_max_abs_error=parsed.rate_fidelity.max_abs_error, rate_report_only=parsed.rate_fidelity.report_only,
        latency_metric=parsed.latency.metric, latency_max_ratio=parsed.latency.max_ratio,
        latency_report_only=parsed.latency.report_only, max_lost_samples=parsed.max_lost_samples,
        source=str(path), raw=raw,
    )  # fmt: skip
