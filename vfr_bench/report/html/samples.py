"""The sample browser's data: one group per (task, sample id, batch size) with the reference, the input audio and
one row per (series, rate): the transcript and its diff against the reference (diff.py), the error
rate, achieved Hz, t_total and the output audio. Groups are written in chunk files the page loads
on demand (`samples/chunk-NNNN.js`, by <script> tags: Chromium blocks fetch() of file:// URLs); the
page itself holds only a light index (task, id, and per row its series, rate and error rate) to
filter and sort on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vfr_bench.records import SampleKey, SampleRecord, ScoreRecord
from vfr_bench.report.html.diff import Diff, sample_diff
from vfr_bench.report.html.media import Media
from vfr_bench.report.series import Series
from vfr_bench.run_view import RunView

CHUNK = 25  # sample groups per chunk file
Group = dict[str, Any]


def sample_groups(runs: list[RunView], series: dict[tuple[Path, str], Series], media: Media) -> list[Group]:
    """Every (task, sample id, batch size) of the runs' series, in task then first-seen order, each with
    its rows in series order then rate order (highest first). A latency-lab repeat at batch size 4 is
    its own group, named "repeat-0, batch 4"."""
    index = {key: i for i, key in enumerate(series)}
    groups: dict[tuple[str, str, int], Group] = {}
    for run, record, scores in _records(runs, index):
        key = (record.task, record.sample_id, record.batch_size)
        group = groups.get(key)
        if group is None:
            reference = record.reference.text if record.reference else None
            name = record.sample_id + ("" if record.batch_size == 1 else f", batch {record.batch_size}")
            group = groups[key] = {"task": record.task, "id": name, "ref": reference, "input": None,
                                   "in_s": record.input_seconds, "lang": record.language, "rows": []}  # fmt: skip
        if group["input"] is None:
            group["input"] = media.add(record.source_audio, "input")
        group["rows"].append(_row(index[(run.path, record.model)], run, record, scores, media))
    ordered = sorted(groups.values(), key=lambda g: g["task"])  # stable: first-seen order within a task
    for group in ordered:
        group["rows"].sort(key=lambda r: (r["s"], -(r["hz_req"] or 0.0), r["r"]))
    return ordered


def _records(
    runs: list[RunView], index: dict[tuple[Path, str], int]
) -> Iterator[tuple[RunView, SampleRecord, dict[str, ScoreRecord]]]:
    for run in runs:
        by_sample: dict[SampleKey, dict[str, ScoreRecord]] = {}
        for score in run.scores:
            by_sample.setdefault(score.sample_key, {})[score.metric] = score
        for record in run.samples:
            if (run.path, record.model) in index:
                yield run, record, by_sample.get(record.key, {})


def _row(s: int, run: RunView, record: SampleRecord, scores: dict[str, ScoreRecord], media: Media) -> dict[str, Any]:
    diff: Diff | None = sample_diff(scores) if record.ok else None
    audio = media.add(run.path / record.audio, "output") if record.audio else None
    return {
        "s": s, "r": record.rate_spec, "hz_req": record.requested_output_hz or record.requested_input_hz,
        "st": record.status, "err": record.error, "text": record.text, "a": audio,
        "d": record.output_seconds if audio else None,  # shown beside the player before it is clicked
        "in_hz": record.achieved_input_hz, "out_hz": record.achieved_output_hz,
        "t": record.timings.t_total if record.timings else None,
        "m": diff.metric if diff else None, "w": diff.value if diff else None,
        "e": diff.edits if diff else None, "ops": diff.ops if diff else None,
    }  # fmt: skip


def light_index(groups: list[Group]) -> list[list[Any]]:
    """What the page filters and sorts on: [task, id, chunk, [[series, rate, error rate], ...]]."""
    return [
        [g["task"], g["id"], i // CHUNK, [[r["s"], r["r"], r["w"]] for r in g["rows"]]] for i, g in enumerate(groups)
    ]


def chunks(groups: list[Group]) -> Iterator[tuple[int, list[Group]]]:
    for start in range(0, len(groups), CHUNK):
        yield start // CHUNK, groups[start : start + CHUNK]
