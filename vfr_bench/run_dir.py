"""The run directory (docs/design.md "Run directory"): one read/write API over its files.

Runs, scoring, the latency lab, gates and reports read and write manifest.json, samples.jsonl,
scores.jsonl and summary.csv only through `RunDirectory`, as the typed records of
`vfr_bench.records`. A writer holds a lock per (run, shard) while the directory is open; the
manifest has a lock of its own, since shards and scorers update it together.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ValidationError

from vfr_bench.cli_command import cli_command
from vfr_bench.jsonl import append_lines, complete_lines, write_text_atomic
from vfr_bench.records import (
    SCHEMA_VERSION,
    SUMMARY_COLUMNS,
    Manifest,
    SampleKey,
    SampleRecord,
    ScoreRecord,
    SummaryRow,
    sample_record_type,
)
from vfr_bench.redact import redact_text
from vfr_bench.schema_upgrade import is_v2_lab_run, reads_v2_lab, upgrade_frame, upgrade_manifest, upgrade_record

if TYPE_CHECKING:
    import pandas as pd

SAMPLES = "samples.jsonl"
SCORES = "scores.jsonl"
MANIFEST = "manifest.json"
SUMMARY = "summary.csv"
# how the record of a deleted line is made again
REDO = {
    SAMPLES: "resume the run (`vfr-bench run --resume` with its options) to measure that sample again",
    SCORES: "run `vfr-bench score` on the run to score it again",
}
R = TypeVar("R", bound=BaseModel)
K = TypeVar("K", SampleRecord, ScoreRecord)


class RunDirError(RuntimeError):
    """A run directory that cannot be used as asked; the message says what to do instead."""


def read_records(path: Path, model: type[R], v2_lab: bool = False) -> list[R]:
    """Every complete line of `path` as a `model`; a malformed line names its file and number. `v2_lab`:
    the lines of a schema-2 lab run, whose tasks name their batch size (vfr_bench.schema_upgrade)."""
    out = []
    for number, line in complete_lines(path):
        try:
            out.append(parse_record(model, line, v2_lab))
        except ValidationError as err:
            problem = err.errors()[0]
            where = ".".join(str(p) for p in problem["loc"]) or "line"
            raise RunDirError(
                f"{path}:{number} is not a valid {model.__name__} ({where}: {problem['msg']}); the file is damaged "
                f"or was edited by hand: restore it from a copy, or delete that line and "
                f"{REDO.get(path.name, 'write it again')}"
            ) from None
    return out


def parse_record(model: type[R], line: str, v2_lab: bool = False) -> R:
    """One line as a `model` (ValidationError where it is not one); `v2_lab`: a line of a schema-2 lab
    run, its task read as task and batch size (vfr_bench.schema_upgrade)."""
    if v2_lab:
        try:
            data = json.loads(line)
        except ValueError:
            return model.model_validate_json(line)  # refused, in the words the other lines get
        return model.model_validate(upgrade_record(data, sample=issubclass(model, SampleRecord)))
    return model.model_validate_json(line)


def latest(records: list[K]) -> list[K]:
    """The last record of each key, in the order the keys first appear. Files are append-only, so a
    sample retried after an error, or a score computed again after one, is a later line that
    supersedes the error; nothing else may repeat a key (the validator checks)."""
    out: dict[tuple, K] = {}
    for record in records:
        out[record.key] = record
    return list(out.values())


class RunDirectory:
    """A run directory. Reading needs nothing; writing samples needs `open()`, which takes the lock
    for one (run, shard) and refuses a directory that holds another run unless resuming it."""

    def __init__(self, path: Path | str, shard: tuple[int, int] = (0, 1)):
        self.path = Path(path)
        self.shard = shard
        self._lock_fd: int | None = None

    @property
    def samples_path(self) -> Path:
        return self.path / SAMPLES

    @property
    def scores_path(self) -> Path:
        return self.path / SCORES

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    @property
    def summary_path(self) -> Path:
        return self.path / SUMMARY

    @property
    def audio_dir(self) -> Path:
        return self.path / "audio"

    # ---- the writer's lock ------------------------------------------------------------------------

    def open(self, resume: bool) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        i, n = self.shard
        fd = os.open(self.path / f".lock-shard-{i}-of-{n}", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise RunDirError(
                f"run directory {self.path} is in use by another vfr-bench process ({holder}); "
                "wait for it to finish or choose another --out"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {os.uname().nodename}\n".encode(), 0)
        self._lock_fd = fd
        try:
            self._check_reuse(resume)
        except BaseException:
            self.close()
            raise

    def _check_reuse(self, resume: bool) -> None:
        manifest = self.read_manifest()
        has_samples = self.samples_path.is_file() and self.samples_path.stat().st_size > 0
        if manifest is None and not has_samples:
            return
        if manifest is not None and manifest.shard_count != self.shard[1]:
            raise RunDirError(
                f"run directory {self.path} was started with --shard ?/{manifest.shard_count}; "
                f"resume it with the same shard count, not {self.shard[1]}"
            )
        if resume and is_v2_lab_run(manifest):
            raise RunDirError(
                f"run directory {self.path} is a latency-lab run of schema {manifest.schema_version} (a task per "
                f"batch size); this vfr-bench writes schema {SCHEMA_VERSION}: time it again into a new --out"
            )
        started = manifest is not None and any(s.shard == f"{self.shard[0]}/{self.shard[1]}" for s in manifest.sessions)
        if not resume and (manifest is None or self.shard[1] == 1 or started):
            raise RunDirError(
                f"run directory {self.path} already holds a run; pass --resume to continue it or choose another --out"
            )

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> RunDirectory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _file_lock(self, name: str) -> Iterator[None]:
        self.path.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path / name, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def scoring_lock(self) -> AbstractContextManager[None]:
        """Scorers finishing together (shards) must not score the same samples twice."""
        return self._file_lock(".lock-scoring")

    # ---- manifest.json -----------------------------------------------------------------------------

    def read_manifest(self) -> Manifest | None:
        """The manifest, or None where the directory has none yet."""
        if not self.manifest_path.is_file():
            return None
        text = self.manifest_path.read_text(encoding="utf-8")
        self._refuse_newer_schema(text)
        try:
            return manifest_from_json(text)
        except ValidationError as err:
            problem = err.errors()[0]
            where = ".".join(str(p) for p in problem["loc"]) or "top level"
            raise RunDirError(f"{self.manifest_path} is not a valid manifest ({where}: {problem['msg']})") from None

    def _refuse_newer_schema(self, text: str) -> None:
        """A run of a newer schema may mean its records differently: no reader (load, report, score,
        gate, HTML) or writer (a resume) of this version reads it, as `vfr-bench check` says."""
        try:
            version = json.loads(text).get("schema_version", 1)
        except (ValueError, AttributeError):
            return  # not JSON, or not an object: the validation below says so
        if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
            raise RunDirError(
                f"{self.manifest_path}: schema_version {version} is newer than this vfr-bench reads "
                f"({SCHEMA_VERSION}): upgrade vfr-bench to read this run"
            )

    def _v2_lab(self) -> bool:
        return is_v2_lab_run(self.read_manifest())

    def manifest(self) -> Manifest:
        """The manifest of a run directory that must have one."""
        manifest = self.read_manifest()
        if manifest is None:
            raise RunDirError(f"{self.path} is not a run directory (no {MANIFEST})")
        return manifest

    def write_manifest(self, manifest: Manifest) -> None:
        # a judge URL's credentials (in argv, settings, judges) are never written: the URL names the judge
        write_text_atomic(self.manifest_path, redact_text(manifest.to_json()))

    def update_manifest(self, change: Callable[[Manifest | None], Manifest]) -> Manifest:
        """Read-modify-write under the manifest lock; `change` gets None where there is no manifest yet."""
        with self._file_lock(".lock-manifest"):
            manifest = change(self.read_manifest())
            self.write_manifest(manifest)
            return manifest

    # ---- samples.jsonl and scores.jsonl ---------------------------------------------------------------

    def samples(self) -> list[SampleRecord]:
        """Each sample's latest record (a retried error is superseded by its retry)."""
        manifest = self.read_manifest()
        record = sample_record_type(manifest.kind if manifest else "run")
        return latest(read_records(self.samples_path, record, is_v2_lab_run(manifest)))

    def recorded_keys(self) -> set[SampleKey]:
        return {r.key for r in self.samples()}

    def append_sample(self, record: SampleRecord) -> None:
        append_lines(self.samples_path, [record.to_json()])

    def scores(self) -> list[ScoreRecord]:
        """Each (sample, metric)'s latest score (an error scored again is superseded)."""
        return latest(read_records(self.scores_path, ScoreRecord, self._v2_lab()))

    def samples_frame(self) -> pd.DataFrame:
        """samples() as a DataFrame of SampleRecord.frame_fields (nested ones dotted), read
        by columns: 100,000 lines in a fraction of a second."""
        from vfr_bench.jsonl_frame import frame_schema, read_frame

        key = list(SampleKey._fields)
        prepare = self._frame_reader(self.samples, sample=True)
        return read_frame(self.samples_path, frame_schema(SampleRecord), key, self.samples, prepare)

    def scores_frame(self) -> pd.DataFrame:
        """scores() as a DataFrame of ScoreRecord.frame_fields."""
        from vfr_bench.jsonl_frame import frame_schema, read_frame

        key = [*SampleKey._fields, "metric"]
        return read_frame(
            self.scores_path, frame_schema(ScoreRecord), key, self.scores, self._frame_reader(self.scores)
        )

    def _frame_reader(
        self, name_line: Callable[[], object], sample: bool = False
    ) -> Callable[[pd.DataFrame], pd.DataFrame]:
        """What a record frame needs before it is keyed: a v2 lab run's tasks name their batch size; a
        record without one (written before schema 3) was timed alone. A damaged v2 lab line is named by
        the line reader (`name_line`)."""
        v2_lab = self._v2_lab()

        def prepare(frame: pd.DataFrame) -> pd.DataFrame:
            if v2_lab:
                try:
                    frame = upgrade_frame(frame, sample)
                except ValueError as err:
                    name_line()
                    raise RunDirError(f"{self.path}: {err}") from None
            return frame.assign(batch_size=frame["batch_size"].fillna(1.0))

        return prepare

    def append_scores(self, records: list[ScoreRecord]) -> None:
        append_lines(self.scores_path, [redact_text(r.to_json()) for r in records])

    def drop_scores(self, metrics: list[str]) -> None:
        """Remove every score of `metrics` (before they are computed again)."""
        if metrics:
            self.drop_scores_where(lambda score: score.metric in metrics)

    def drop_scores_where(self, drop: Callable[[ScoreRecord], bool]) -> int:
        """Rewrite scores.jsonl (atomically, as its latest records) without the scores `drop` names; the
        only rewrite of the file, for scores made otherwise than they would be now. How many went."""
        if not self.scores_path.is_file():
            return 0
        scores = self.scores()
        kept = [s for s in scores if not drop(s)]
        if len(kept) < len(scores):
            write_text_atomic(self.scores_path, "".join(s.to_json() + "\n" for s in kept))
        return len(scores) - len(kept)

    # ---- summary.csv ------------------------------------------------------------------------------

    def summary(self) -> list[SummaryRow]:
        if not self.summary_path.is_file():
            raise RunDirError(f"{self.path} has no {SUMMARY}: score it first (`{cli_command()} score {self.path}`)")
        with open(self.summary_path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        if self._v2_lab():
            rows = [upgrade_record(row) for row in rows]
        try:
            return [SummaryRow.model_validate(row) for row in rows]
        except ValidationError as err:
            raise RunDirError(f"{self.summary_path} is not a valid summary ({err.errors()[0]['msg']})") from None

    def write_summary(self, rows: list[SummaryRow]) -> None:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(SUMMARY_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(row.csv_row() for row in rows)
        write_text_atomic(self.summary_path, buffer.getvalue())


def manifest_from_json(text: str) -> Manifest:
    """manifest.json's text as a Manifest; a v2 lab run's tasks read as one task (vfr_bench.schema_upgrade)."""
    try:
        data = json.loads(text)
    except ValueError:
        data = None  # the validation below says what is wrong
    version = data.get("schema_version", 1) if isinstance(data, dict) else None
    if isinstance(data, dict) and isinstance(version, int) and reads_v2_lab(str(data.get("kind")), version):
        return Manifest.model_validate(upgrade_manifest(data))
    return Manifest.model_validate_json(text)
