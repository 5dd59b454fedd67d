"""Bits per second: what a rate costs in information (docs/analyses.md).

bits/s = units per second x bits per unit, where a unit's bits are the log2 sizes of the codebooks
it draws codes from (content) plus log2 of its duration classes (side information, counted apart as
CodecSlime does). The alphabet is the adapter's declaration (`vfr_bench.token_alphabet`); a side
declared continuous has no bits ("not applicable", and the report's bits table says "continuous").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vfr_bench.metrics.base import Metric, MetricContext, SampleScore
from vfr_bench.metrics.registry import register_metric

if TYPE_CHECKING:
    from vfr_bench.records import SampleRecord

PARTS = {"": "content and duration", "content_": "content (codes)", "duration_": "duration (side information)"}


def _bits(side: str, part: str):
    def compute(record: SampleRecord, ctx: MetricContext | None = None) -> SampleScore | None:
        alphabet = getattr(record, f"{side}_alphabet")
        hz = getattr(record, f"achieved_{side}_hz")
        if alphabet is None or alphabet.continuous or hz is None:
            return None
        content, duration = alphabet.content_bits or 0.0, alphabet.duration_bits or 0.0
        per_unit = {"": content + duration, "content_": content, "duration_": duration}[part]
        return SampleScore(hz * per_unit, detail={"bits_per_unit": per_unit})

    return compute


def _bit_metrics(side: str) -> list[Metric]:
    return [
        Metric(f"{side}_{part}bits_per_second", "1", f"{side} {what} bits per second of audio", kind="allocation",
               higher_is_better=None, aggregation="mean", compute=_bits(side, part),
               display=f"{side} {what.split(' ')[0]} bit/s" if part else f"{side} bit/s", unit="bit/s",
               requires=(f"{side}_alphabet", f"achieved_{side}_hz"))
        for part, what in PARTS.items()
    ]  # fmt: skip


register_metric(*_bit_metrics("input"), *_bit_metrics("output"))
