"""The lines of a latency figure (fig_latency.py) and of the listening page's latency chart
(html/charts.py), named and told apart the same way: a line is a series on one task family at one
batch size."""

from __future__ import annotations

from collections.abc import Iterable

from vfr_bench.report.series import Series

LineKey = tuple[Series, str, int]  # series, task family, batch size


def latency_lines(keys: Iterable[LineKey]) -> list[tuple[LineKey, str, int | None]]:
    """Each line in drawing order (batch size 1 first), its legend label (the series alone where the
    study has one task family, plus ", batch N" where N is not 1) and the index of its line style among
    the study's (family, batch size) variants; None where there is one variant, so the series' own
    line style serves."""
    keys = list(keys)
    families = {family for _, family, _ in keys}
    variants = sorted({(family, batch) for _, family, batch in keys}, key=lambda v: (v[1], v[0]))  # batch 1 first
    out = []
    for key in sorted(keys, key=lambda k: k[2]):
        series, family, batch = key
        label = series.label + ("" if len(families) == 1 else f" / {family}")
        label += "" if batch == 1 else f", batch {batch}"
        out.append((key, label, None if len(variants) == 1 else variants.index((family, batch))))
    return out
