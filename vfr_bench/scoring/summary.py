"""summary.csv: each metric's aggregate per (model, task, rate spec, batch size), with its bootstrap CI and n."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np

from vfr_bench.cli_command import cli_command
from vfr_bench.metrics import get_metric
from vfr_bench.records import SampleKey, ScoreRecord, SummaryRow
from vfr_bench.run_dir import RunDirectory, RunDirError
from vfr_bench.stats import aggregate, bootstrap_ci
from vfr_bench.summary_digest import DIGEST_FIELDS, cell_digests

if TYPE_CHECKING:
    import pandas as pd


def score_arrays(scores: list[ScoreRecord]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, numerators, denominators) of scores, in order; a missing part counts 0."""
    values = np.array([s.value for s in scores], dtype=float)
    num = np.array([s.numerator or 0.0 for s in scores], dtype=float)
    den = np.array([s.denominator or 0.0 for s in scores], dtype=float)
    return values, num, den


def summarise(scores: list[ScoreRecord], seed: int = 0) -> list[SummaryRow]:
    """One row per (model, task, rate spec, batch size, metric): the aggregate and a bootstrap CI. Scores
    that failed (value None, with their error) are left out of the aggregate, never counted as zero."""
    groups: dict[tuple, list[ScoreRecord]] = defaultdict(list)
    for s in scores:
        if s.value is not None:
            groups[(*s.cell, s.requested_input_hz, s.requested_output_hz, s.metric)].append(s)
    digests = cell_digests(_score_tuples(scores))
    rows = []
    for (model, task, spec, batch, req_in, req_out, name), items in sorted(
        groups.items(), key=lambda kv: _order(kv[0])
    ):
        metric = get_metric(name)
        arrays = score_arrays(items)
        value = aggregate(metric.aggregation, *arrays)
        if value is None:
            continue
        low, high = bootstrap_ci(metric.aggregation, *arrays, seed=seed)
        rows.append(
            SummaryRow(
                model=model, task=task, rate_spec=spec, batch_size=batch, requested_input_hz=req_in,
                requested_output_hz=req_out,
                metric=name, value=value, ci_low=low, ci_high=high, n=len(items), aggregation=metric.aggregation,
                higher_is_better=metric.higher_is_better, unit=metric.unit,
                scores_digest=digests[(model, task, spec, batch, name)],
            )
        )  # fmt: skip
    return rows


def _score_tuples(scores: list[ScoreRecord]) -> list[tuple]:
    return [tuple(getattr(s, f) for f in DIGEST_FIELDS) for s in scores if s.value is not None]


def _frame_tuples(scores: pd.DataFrame) -> list[tuple]:
    if scores.empty:
        return []
    return list(scores.loc[scores["value"].notna(), DIGEST_FIELDS].itertuples(index=False, name=None))


def _order(key: tuple) -> tuple:
    model, task, spec, batch, req_in, req_out, name = key
    return (model, task, batch, -(req_in or 1e9), -(req_out or 1e9), spec, name)


def out_of_date(rows: list[SummaryRow], scores: pd.DataFrame, samples: pd.DataFrame) -> str | None:
    """Why summary.csv no longer says what scores.jsonl holds (samples added or scores changed since
    it was written), or None when it does; on RunDirectory.samples_frame() and scores_frame()."""
    keys = list(SampleKey._fields)
    ok = samples.loc[samples["status"] == "ok", keys]
    scored = scores[keys].drop_duplicates()
    unscored = len(ok.merge(scored, on=keys, how="left", indicator=True).query("_merge == 'left_only'"))
    if unscored:
        return f"{unscored} ok sample(s) have no scores"
    valued = scores[scores["value"].notna()]
    counts = {
        (model, task, spec, int(batch), metric): n
        for (model, task, spec, batch, metric), n in valued.groupby(DIGEST_FIELDS[:5]).size().items()
    }
    digests = cell_digests(_frame_tuples(scores))
    for row in rows:
        cell = (*row.cell, row.metric)
        where = " / ".join(map(str, cell[:3])) + (f" / batch {row.batch_size}" if row.batch_size != 1 else "")
        where += f" / {row.metric}"
        n = counts.get(cell, 0)
        if n != row.n:
            return f"{where} has n={row.n} but {n} scores"
        if row.scores_digest is None:
            return f"{where} carries no digest of its scores (written by an older vfr-bench or by hand)"
        if row.scores_digest != digests.get(cell):
            judges = sorted({str(j) for j in valued.loc[_in_cell(valued, cell), "judge"].dropna()})
            made = f" (its scores now: judge {', '.join(judges)})" if judges else ""
            return f"{where}: its scores changed since it was written{made}"
    return None


def _in_cell(scores: pd.DataFrame, cell: tuple[str, str, str, int, str]) -> Any:
    model, task, spec, batch, metric = cell
    return (
        (scores["model"] == model)
        & (scores["task"] == task)
        & (scores["rate_spec"] == spec)
        & (scores["batch_size"] == batch)
        & (scores["metric"] == metric)
    )


def refuse_stale(run: RunDirectory, rows: list[SummaryRow], scores: pd.DataFrame, samples: pd.DataFrame) -> None:
    """RunDirError where the run's summary no longer says what its scores hold. A run shipped with only
    its summary (the examples) has nothing to check it against and is read as it is."""
    if not run.scores_path.is_file():
        return
    reason = out_of_date(rows, scores, samples)
    if reason:
        raise RunDirError(f"{run.summary_path} is out of date ({reason}): run `{cli_command()} score {run.path}` first")


def current_summary(run: RunDirectory) -> list[SummaryRow]:
    """summary.csv, refused when it no longer says what scores.jsonl holds: a report or a calibration
    never uses numbers its run has moved on from."""
    rows = run.summary()
    refuse_stale(run, rows, run.scores_frame(), run.samples_frame())
    return rows
