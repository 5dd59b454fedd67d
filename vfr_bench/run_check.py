"""The run-directory contract validator (docs/design.md "Run directory"), used by `vfr-bench check`
and by the tests on every run directory they make.

It reads each file line by line against the record schema and reports every problem it finds (up
to MAX_PROBLEMS), where the writers' own readers stop at the first.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from vfr_bench.answer_rules import answer_problems
from vfr_bench.cli_command import cli_command
from vfr_bench.jsonl import complete_lines
from vfr_bench.records import (
    SCHEMA_VERSION,
    SUMMARY_REQUIRED_COLUMNS,
    Manifest,
    SampleRecord,
    ScoreRecord,
    SummaryRow,
    sample_record_type,
)
from vfr_bench.run_dir import MANIFEST, SAMPLES, SCORES, SUMMARY, manifest_from_json, parse_record
from vfr_bench.schema_upgrade import is_v2_lab_run, upgrade_record
from vfr_bench.summary_digest import DIGEST_FIELDS, DigestCell, cell_digests

MAX_PROBLEMS = 20
R = TypeVar("R", bound=BaseModel)
CEILING_MODEL = "judge-ceiling"  # scores of the judge ceiling have no sample record of their own


def problems(run: Path) -> list[str]:
    """Every way `run` breaks the contract (empty when it conforms)."""
    out = [f"missing {name}" for name in (MANIFEST, SAMPLES, SUMMARY) if not (run / name).is_file()]
    if out:
        return out
    manifest = _manifest(run, out)
    v2_lab = is_v2_lab_run(manifest)
    samples = _records(run / SAMPLES, sample_record_type(manifest.kind if manifest else "run"), out, v2_lab)
    raw = dict(_raw_lines(run / SAMPLES))
    out += [p for number, record in samples for p in _sample_problems(run, number, record, raw[number])]
    out += _duplicates(SAMPLES, [(n, r.key, r.status == "error") for n, r in samples])
    if manifest is not None:
        out += _manifest_coverage(manifest, [r for _, r in samples])
    scores = _records(run / SCORES, ScoreRecord, out, v2_lab)
    out += _score_problems(scores, {r.key for _, r in samples})
    # summary.csv derives from scores.jsonl: where both are here, every row must have scores behind it
    valued = [tuple(getattr(s, f) for f in DIGEST_FIELDS) for _, s in scores if s.value is not None]
    out += _summary_problems(run / SUMMARY, cell_digests(valued) if (run / SCORES).is_file() else None, v2_lab)
    return out[:MAX_PROBLEMS]


def _manifest(run: Path, out: list[str]) -> Manifest | None:
    try:
        manifest = manifest_from_json((run / MANIFEST).read_text(encoding="utf-8"))
    except ValidationError as err:
        out += [f"{MANIFEST}: {_where(e)}: {e['msg']}" for e in err.errors()]
        return None
    if manifest.schema_version > SCHEMA_VERSION:
        out.append(f"{MANIFEST}: schema_version {manifest.schema_version} is newer than this vfr-bench reads")
    return manifest


def _records(path: Path, model: type[R], out: list[str], v2_lab: bool) -> list[tuple[int, R]]:
    found = []
    for number, line in complete_lines(path):
        try:
            found.append((number, parse_record(model, line, v2_lab)))
        except ValidationError as err:
            out += [f"{path.name} line {number}: {_where(e)}: {e['msg']}" for e in err.errors()[:3]]
    return found


def _raw_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """Each line as plain JSON, for the rules a typed record would hide (a boolean read as a count)."""
    for number, line in complete_lines(path):
        try:
            yield number, json.loads(line)
        except ValueError:
            yield number, {}


def _where(error: Any) -> str:
    return ".".join(str(p) for p in error["loc"]) or "line"


def _sample_problems(run: Path, number: int, r: SampleRecord, raw: Any) -> list[str]:
    where = f"{SAMPLES} line {number}"
    out = []
    if r.status != "ok" and not r.error:
        out.append(f"{where}: status {r.status} without an error message")
    if r.status == "ok":
        for name in ("achieved_input_hz", "achieved_output_hz"):
            value = getattr(r, name)
            if value is not None and (not math.isfinite(value) or value < 0):
                out.append(f"{where}: {name} = {value!r}")
        out += [f"{where}: {p}" for p in answer_problems(raw if isinstance(raw, dict) else {})]
        if r.timings.t_total is None:
            out.append(f"{where}: an ok sample without timings.t_total")
        if r.audio and not (run / r.audio).is_file():
            out.append(f"{where}: audio {r.audio} is missing")
    return out


def _duplicates(name: str, keyed: list[tuple[int, tuple, bool]]) -> list[str]:
    """A key may repeat only where every earlier line of it was an error (a retry supersedes it)."""
    seen: dict[tuple, tuple[int, bool]] = {}
    out = []
    for number, key, failed in keyed:
        if key in seen and not seen[key][1]:
            out.append(f"{name} line {number} repeats line {seen[key][0]} {key}")
        if key not in seen or seen[key][1]:
            seen[key] = (number, failed)
    return out


def _manifest_coverage(manifest: Manifest, samples: list[SampleRecord]) -> list[str]:
    out = [
        f"{MANIFEST} lacks task {t!r} of the samples" for t in sorted({s.task for s in samples} - set(manifest.tasks))
    ]
    out += [
        f"{MANIFEST} lacks model {m!r} of the samples"
        for m in sorted({s.model for s in samples} - set(manifest.models))
    ]
    return out


def _score_problems(scores: list[tuple[int, ScoreRecord]], sample_keys: set[tuple]) -> list[str]:
    out = _duplicates(SCORES, [(n, s.key, s.error is not None) for n, s in scores])
    for number, s in scores:
        if s.value is None and not s.error:
            out.append(f"{SCORES} line {number}: neither a value nor an error")
        if s.value is not None and not math.isfinite(s.value):
            out.append(f"{SCORES} line {number}: value {s.value!r}")
        if s.model != CEILING_MODEL and s.sample_key not in sample_keys:
            out.append(f"{SCORES} line {number}: scores a sample samples.jsonl does not hold {tuple(s.sample_key)}")
    return out


def _summary_problems(path: Path, digests: dict[DigestCell, str] | None, v2_lab: bool) -> list[str]:
    """Rows that break the schema, and (where scores.jsonl is here) rows whose scores moved on."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in SUMMARY_REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            return [f"{SUMMARY} lacks column {c!r}" for c in missing]
        rows = list(reader)
    out = []
    for number, row in enumerate(rows, 2):
        try:
            parsed = SummaryRow.model_validate(upgrade_record(row) if v2_lab else row)
        except ValidationError as err:
            out += [f"{SUMMARY} line {number}: {_where(e)}: {e['msg']}" for e in err.errors()[:3]]
            continue
        cell = (*parsed.cell, parsed.metric)
        if digests is None:
            continue
        if cell not in digests:
            out.append(f"{SUMMARY} line {number}: {parsed.metric} of {parsed.cell} has no scores behind it")
        elif parsed.scores_digest != digests[cell]:
            why = "carries no digest of" if parsed.scores_digest is None else "no longer matches"
            out.append(
                f"{SUMMARY} line {number}: {parsed.metric} of {parsed.cell} {why} its scores: "
                f"rebuild it with `{cli_command()} score {path.parent}`"
            )
    return out
