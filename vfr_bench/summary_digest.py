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

# the cell (model, task, rate spec, batch size, metric), then what is digested of each score in it
DIGEST_FIELDS = ["model", "task", "rate_spec", "batch_size", "metric", "sample_id", "metric_version", "judge",
                 "value", "numerator", "denominator"]  # fmt: skip
DigestCell = tuple[str, str, str, int, str]


def cell_digests(scores: Iterable[tuple]) -> dict[DigestCell, str]:
    """(model, task, rate spec, batch size, metric) -> a digest of the valued scores it aggregates: each
    sample's value, numerator and denominator, the metric version and the judge that made it. The
    writer and every reader compute it from the same tuples (DIGEST_FIELDS), so a summary is refused
    the moment a score, a judge or a recipe behind it changes, whatever the counts say. The batch size
    names the cell but is not digested: a summary written before schema 3 (batch 1 throughout, or a v2
    lab run read as task and batch size) keeps the digest it was written with."""
    groups: dict[DigestCell, list[list[Any]]] = defaultdict(list)
    for model, task, spec, batch, metric, *rest in scores:
        groups[(model, task, spec, int(batch), metric)].append([_plain(v) for v in rest])
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
