"""Tidy pandas tables of one or more runs: one row per sample, per (sample, metric) score and per
summary cell, each with the run directory and the series label, so two runs of one model stay apart.

Columns (documented in docs/python-api.md):
- every table: `run` (the run directory), `label` (its series: see report/series.py), `model`, `task`,
  `batch_size` (requests timed together: 1 but in a latency-lab sweep), `rate_spec` and `requested_hz`
  (ordered categoricals, highest rate first), `requested_input_hz`, `requested_output_hz`;
- samples: `sample_id`, `status`, `error`, `achieved_input_hz`, `achieved_output_hz`, `input_rate_error`,
  `output_rate_error`, `input_seconds`, `output_seconds`, `language`, `text`, `audio`, `reference`,
  `t_total`, `t_first_token`, `t_first_audio`, `t_ar`;
- scores: `sample_id`, `metric`, `metric_version`, `value`, `numerator`, `denominator`, `error`, `judge`;
- summary: `metric`, `value`, `ci_low`, `ci_high`, `n`, `aggregation`, `higher_is_better`, `unit`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from vfr_bench.records import SUMMARY_COLUMNS, SampleRecord, ScoreRecord, SummaryRow
from vfr_bench.report.series import CEILING_MODEL, Series

if TYPE_CHECKING:
    import pandas as pd

RECORD_LEAD = (
    "model",
    "task",
    "batch_size",
    "rate_spec",
    "requested_input_hz",
    "requested_output_hz",
)  # every record's
LEAD = ("run", "label", "model", "task", "batch_size", "rate_spec", "requested_hz", "requested_input_hz",
        "requested_output_hz")  # fmt: skip


def column(field: str) -> str:
    """A record field's column: timings flattened (`t_total`), the reference's text as `reference`."""
    return "reference" if field == "reference.text" else field.rpartition(".")[2]


SAMPLE_COLUMNS = tuple(column(f) for f in SampleRecord.frame_fields if f not in RECORD_LEAD)
SCORE_COLUMNS = tuple(column(f) for f in ScoreRecord.frame_fields if f not in RECORD_LEAD)
SUMMARY_RECORD = tuple(f for f in SUMMARY_COLUMNS if f != "scores_digest")  # the digest is no column
SUMMARY_FIELDS = tuple(f for f in SUMMARY_RECORD if f not in RECORD_LEAD)
CEILING_LABEL = "judge ceiling"


def labelled(frame: pd.DataFrame, run: Path, series: dict[tuple[Path, str], Series]) -> pd.DataFrame:
    """`frame` (one run's records) with the run, each row's series label and the requested Hz in front."""
    out = frame.rename(columns=column)
    labels = {m: CEILING_LABEL if m == CEILING_MODEL else series[(run, m)].label for m in set(out["model"])}
    out.insert(0, "run", str(run))
    out.insert(1, "label", out["model"].map(labels))
    out["requested_hz"] = out["requested_output_hz"].fillna(out["requested_input_hz"])
    return out


def summary_records(rows: list[SummaryRow]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame([r.model_dump() for r in rows], columns=list(SUMMARY_RECORD))


def combine(frames: list[pd.DataFrame], columns: tuple[str, ...], labels: list[str]) -> pd.DataFrame:
    """One table of several runs' frames: the lead columns, then `columns`, with the rate spec and
    requested Hz as ordered categoricals (highest rate first, as tables read), the label a
    categorical in series order (`labels`), and the other repeated text columns as categoricals."""
    import pandas as pd

    names = [*LEAD, *columns]
    frame = (
        pd.concat([f.reindex(columns=names) for f in frames], ignore_index=True)
        if frames
        else pd.DataFrame(columns=names)
    )
    hz_of = dict(zip(frame["rate_spec"], frame["requested_hz"]))
    specs = sorted(hz_of, key=lambda s: (-(hz_of[s] if pd.notna(hz_of[s]) else -1.0), s))
    frame["rate_spec"] = pd.Categorical(frame["rate_spec"], categories=specs, ordered=True)
    rates = sorted({float(h) for h in hz_of.values() if pd.notna(h)}, reverse=True)
    frame["requested_hz"] = pd.Categorical(frame["requested_hz"], categories=rates, ordered=True)
    frame["label"] = pd.Categorical(frame["label"], categories=[*labels, CEILING_LABEL])
    for name in ("run", "model", "task"):
        frame[name] = frame[name].astype("category")
    frame["batch_size"] = frame["batch_size"].astype("int64")  # a record frame reads it as a number
    return frame
