"""Modality pairs (docs/analyses.md): the same questions asked as text and as speech and answered as
text and as speech, per (series, suite, rate), with the speech gaps and their CIs.

A suite with `modalities:` runs as one task per pair (`spoken-qa-pairs@t2t`, ...). Accuracy is
`qa_accuracy` where the answer is text and `qa_accuracy_s2s` (the ASR judge's transcript) where it
is speech, as summary.csv holds them. The input speech gap is T->T minus S->T, the output speech gap
S->T minus S->S; their CIs are paired bootstraps over the questions both pairs answered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from vfr_bench.protocol import MODALITY_PAIRS
from vfr_bench.stats import BOOTSTRAP_RESAMPLES, paired_bootstrap_delta

if TYPE_CHECKING:
    import pandas as pd

PAIR_METRIC = {"t2t": "qa_accuracy", "s2t": "qa_accuracy", "t2s": "qa_accuracy_s2s", "s2s": "qa_accuracy_s2s"}
GAPS = {"input_speech_gap": ("t2t", "s2t"), "output_speech_gap": ("s2t", "s2s")}  # name: (minuend, subtrahend)


def split_task(task: str) -> tuple[str, str] | None:
    """(suite, pair) of a task expanded by modality ("spoken-qa-pairs@t2t"), else None."""
    family, _, kind = task.rpartition("@")
    return (family, kind) if family and kind in MODALITY_PAIRS else None


def modality_table(summary: pd.DataFrame, scores: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """One row per (series, suite, rate): accuracy of each pair with its CI and n, and the two gaps."""
    import pandas as pd

    cells: dict[tuple[str, str, str], dict[str, object]] = {}
    for row in summary.itertuples():
        found = split_task(str(row.task))
        if found is None or row.metric != PAIR_METRIC[found[1]]:
            continue
        family, kind = found
        cell = cells.setdefault((str(row.label), family, str(row.rate_spec)), {})
        pair = MODALITY_PAIRS[kind]
        cell.update({pair: row.value, f"{pair} ci_low": row.ci_low, f"{pair} ci_high": row.ci_high, f"{pair} n": row.n})
    rows = []
    for (label, family, rate), cell in cells.items():
        out: dict[str, object] = {"label": label, "suite": family, "rate": rate, **cell}
        for name, (first, second) in GAPS.items():
            gap = _gap(scores, label, family, rate, first, second, seed)
            out.update(zip((name, f"{name} ci_low", f"{name} ci_high", f"{name} n"), gap))
        rows.append(out)
    return pd.DataFrame(rows)


def _gap(
    scores: pd.DataFrame, label: str, family: str, rate: str, first: str, second: str, seed: int
) -> tuple[float | None, float | None, float | None, int]:
    """(first - second, CI low, CI high, shared questions) of the pairs' accuracies, paired by question."""
    per = []
    for kind in (first, second):
        mine = scores[(scores["label"] == label) & (scores["task"] == f"{family}@{kind}")
                      & (scores["rate_spec"].astype(str) == rate) & (scores["metric"] == PAIR_METRIC[kind])
                      & scores["value"].notna()]  # fmt: skip
        per.append(dict(zip(mine["sample_id"], mine["value"].astype(float))))
    shared = sorted(set(per[0]) & set(per[1]))
    if not shared:
        return None, None, None, 0
    a, b = (np.array([p[i] for i in shared]) for p in per)
    zeros = np.zeros(len(shared))
    low, high = (None, None) if len(shared) < 2 else paired_bootstrap_delta(
        "mean", (b, zeros, zeros), (a, zeros, zeros), np.random.default_rng(seed), BOOTSTRAP_RESAMPLES
    )  # fmt: skip
    return float(a.mean() - b.mean()), low, high, len(shared)


def modality_markdown(table: pd.DataFrame, digits: int = 3) -> str:
    """The modality table in Markdown: accuracy [CI] per pair, then the gaps [CI]."""
    import pandas as pd

    def cell(row: pd.Series, key: str) -> str:
        value = row.get(key)
        if value is None or pd.isna(value):
            return "-"
        low, high = row.get(f"{key} ci_low"), row.get(f"{key} ci_high")
        ci = (
            ""
            if low is None or high is None or pd.isna(low) or pd.isna(high)
            else f" [{low:.{digits}f}, {high:.{digits}f}]"
        )
        return f"{value:+.{digits}f}{ci}" if key in GAPS else f"{value:.{digits}f}{ci}"

    pairs = list(MODALITY_PAIRS.values())
    head = ["model", "suite", "rate", *pairs, "T->T - S->T", "S->T - S->S"]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join("---" for _ in head) + " |"]
    for _, row in table.iterrows():
        lines.append("| " + " | ".join([str(row["label"]), str(row["suite"]), str(row["rate"]),
                                         *(cell(row, k) for k in (*pairs, *GAPS))]) + " |")  # fmt: skip
    return "\n".join(lines) + "\n"
