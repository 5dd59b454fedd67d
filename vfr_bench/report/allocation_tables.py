"""The allocation analyses as tables (docs/analyses.md): speech and silence, speaking rate and
boundaries per (series, task, rate) from summary.csv, and the bits table, which also says, per side,
what the model declared its units to be (so a continuous side reads "continuous", never a number)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from vfr_bench.report.series import Series

if TYPE_CHECKING:
    import pandas as pd

    from vfr_bench.run_view import RunView

ALLOCATION_METRICS = (
    "achieved_hz_speech", "achieved_hz_silence", "silence_unit_share", "input_silence_share",
    "speaking_rate_words", "speaking_rate_phones", "rate_vs_speaking_rate", "boundary_precision",
    "boundary_precision_chance",
)  # fmt: skip
BITS_COLUMNS = ("label", "task", "rate", "side", "units", "achieved_hz", "content_bps", "duration_bps", "bps")
NOT_DECLARED = "not declared"


def allocation_metrics(summary: pd.DataFrame) -> list[str]:
    """The allocation metrics the summary holds, in the table's order."""
    present = set(summary["metric"])
    return [m for m in ALLOCATION_METRICS if m in present]


def bits_table(runs: list[RunView], summary: pd.DataFrame, series: dict[tuple[Path, str], Series]) -> pd.DataFrame:
    """One row per (series, task, rate, side) where the side had units: what a unit is (its alphabet,
    "continuous" or "not declared"), achieved Hz, and content, duration and total bits per second
    (None where there is no number to give)."""
    import pandas as pd

    # bits per second are the rate's: a latency-lab batch repeats one request, so batch 1 speaks for them
    summary = summary[summary["batch_size"] == 1]
    values = {(r.label, r.task, r.rate_spec, r.metric): r.value for r in summary.itertuples() if pd.notna(r.value)}
    rows = []
    for run in runs:
        for (task, rate, model, side), units in _declared_units(run).items():
            label = series[(run.path, model)].label if (run.path, model) in series else model
            names = (
                f"achieved_{side}_hz",
                *(f"{side}_{part}bits_per_second" for part in ("content_", "duration_", "")),
            )
            rows.append((label, task, rate, side, units, *(values.get((label, task, rate, n)) for n in names)))
    return pd.DataFrame(rows, columns=list(BITS_COLUMNS))


def _declared_units(run: RunView) -> dict[tuple[str, str, str, str], str]:
    """(task, rate spec, model, side) -> the alphabets its ok samples declared, in words."""
    seen: dict[tuple[str, str, str, str], set[str]] = {}
    for record in run.samples:
        if not record.ok or record.batch_size != 1:
            continue
        for side, count in (("input", record.n_input_tokens), ("output", record.n_output_tokens)):
            if count is None:
                continue  # this side had no speech units in this request
            alphabet = getattr(record, f"{side}_alphabet")
            key = (record.task, record.rate_spec, record.model, side)
            seen.setdefault(key, set()).add(alphabet.describe() if alphabet else NOT_DECLARED)
    return {key: "; ".join(sorted(texts)) for key, texts in seen.items()}


def bits_markdown(table: pd.DataFrame, digits: int = 1) -> str:
    """The bits table in Markdown: a number where there is one, else why not."""
    import pandas as pd

    head = ["model", "task", "rate", "side", "units", "achieved Hz", "content bit/s", "duration bit/s", "bit/s"]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join("---" for _ in head) + " |"]
    for row in table.itertuples(index=False):
        reason = "continuous" if row.units == "continuous" else "-"
        numbers = [reason if pd.isna(v) else f"{v:.{digits}f}" for v in row[6:]]
        hz = "-" if pd.isna(row.achieved_hz) else f"{row.achieved_hz:.2f}"
        cells = [str(c).replace("|", "\\|") for c in (row.label, row.task, row.rate, row.side, row.units)]
        lines.append("| " + " | ".join([*cells, hz, *numbers]) + " |")
    return "\n".join(lines) + "\n"
