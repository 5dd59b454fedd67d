"""The digest a summary row carries of the scores it was made from (summary.csv's `scores_digest`).

A summary whose scores moved on (an interrupted `score --rescore`, a new judge, a new recipe, values
edited) must never be read as if it still described them; counts alone cannot tell. The writer and
every reader (load, report, calibration, `vfr-bench check`) compute the digest here, from the same
fields of the same records.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

DIGEST_FIELDS = ["model", "task", "rate_spec", "metric", "sample_id", "metric_version", "judge", "value",
                 "numerator", "denominator"]  # fmt: skip


def cell_digests(scores: Iterable[tuple]) -> dict[tuple[str, str, str, str], str]:
    """(model, task, rate spec, metric) -> a digest of the valued scores it aggregates: each sample's
    value, numerator and denominator, the metric version and the judge that made it. The writer and
    every reader compute it from the same tuples (DIGEST_FIELDS), so a summary is refused the moment
    a score, a judge or a recipe behind it changes, whatever the counts say."""
    groups: dict[tuple[str, str, str, str], list[list[Any]]] = defaultdict(list)
    for model, task, spec, metric, *rest in scores:
        groups[(model, task, spec, metric)].append([_plain(v) for v in rest])
    return {
        cell: hashlib.sha256(json.dumps(sorted(items, key=lambda i: i[0])).encode()).hexdigest()[:16]
        for cell, items in groups.items()
    }


def _plain(value: Any) -> Any:
    """One spelling per value, whether it came from a record or a DataFrame (NaN, NA and None alike)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or type(value).__name__ == "NAType":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(float(value))
    return str(value)
