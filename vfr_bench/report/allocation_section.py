"""The report's allocation section (docs/analyses.md): a token-allocation figure per task that has
allocation rows, the allocation and bits tables, and the modality-pairs figure and table, from the
same `Results` calls a notebook uses."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfr_bench.jsonl import write_text_atomic

if TYPE_CHECKING:
    from vfr_bench.report.results import Results

Made = list[tuple[str, str]]


def allocation_outputs(results: Results, out: Path, save: Callable[[Any, str, str], None]) -> Made:
    """Draw the figures through `save` (which records them); write the tables; return the tables made."""
    from vfr_bench.report.allocation_tables import allocation_metrics, bits_markdown
    from vfr_bench.report.tables import markdown

    metrics = allocation_metrics(results.summary)
    tasks = sorted(set(results.summary.loc[results.summary["metric"].isin(metrics), "task"]))
    for task in tasks:
        save(
            results.token_allocation(task), f"token_allocation_{re.sub(r'[^A-Za-z0-9._-]+', '_', task)}",
            f"{task}: achieved Hz in speech (filled) and in silence (hollow, dashed) per requested rate with 95% "
            "CIs, and per utterance Hz in speech / requested against phones per second of speech (Spearman rho)",
        )  # fmt: skip
    made: Made = []
    if metrics:
        write_text_atomic(out / "allocation.md", markdown(results.summary, results.series, metrics))
        made.append(("allocation.md", "where the units go: Hz in speech and silence, shares, speaking rate, "
                     "rho, boundary precision beside its chance level (95% CIs)"))  # fmt: skip
    bits = results.bits()
    if len(bits):
        write_text_atomic(out / "bits.md", bits_markdown(bits))
        made.append(("bits.md", "bits per second per side: content and duration bits where the units are "
                     "declared discrete; 'continuous' where they are vectors"))  # fmt: skip
    return made + _modality(results, out, save)


def _modality(results: Results, out: Path, save: Callable[[Any, str, str], None]) -> Made:
    from vfr_bench.report.modality_table import modality_markdown

    table = results.modality_pairs()
    if table.empty:
        return []
    save(results.modality(), "modality_pairs", "QA accuracy asked as text or speech and answered as text or speech "
         "(T->T, S->T, T->S, S->S), a bar per series with its 95% CI, a panel per rate")  # fmt: skip
    write_text_atomic(out / "modality.md", modality_markdown(table))
    return [("modality.md", "modality pairs: accuracy per pair [95% CI] and the speech gaps T->T - S->T and "
             "S->T - S->S [paired-bootstrap 95% CI]")]  # fmt: skip
