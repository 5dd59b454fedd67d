"""The run directory (DESIGN.md "Run directory"): append-only records, a lock, resume.

Every finished sample is one complete JSON line written with a single `write`, flushed and
fsynced before the next sample starts, so a run killed at any moment loses nothing finished.
A line cut short by a kill mid-write is not a finished sample: resume drops it and redoes it.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SAMPLES = "samples.jsonl"
SCORES = "scores.jsonl"
MANIFEST = "manifest.json"
SUMMARY = "summary.csv"


class RunDirError(RuntimeError):
    """A run directory that cannot be used as asked; the message says what to do instead."""


def sample_key(record: dict) -> tuple[str, str, str, str]:
    """A sample's identity in a run: resume and sharding key on this alone."""
    return (record["model"], record["rate_spec"], record["task"], record["sample_id"])


def read_jsonl(path: Path) -> list[dict]:
    """Complete lines only: a last line with no newline was cut by a kill and is ignored."""
    if not path.is_file():
        return []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    complete = lines[:-1]  # the part after the last newline is either "" or a cut line
    out = []
    for number, line in enumerate(complete, 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise RunDirError(
                    f"{path}:{number} is not valid JSON ({err.msg}); the file was edited by hand?"
                ) from None
    return out


def append_jsonl(path: Path, records: list[dict]) -> None:
    """Append whole lines under an exclusive lock (shards of one run share the file), then fsync."""
    if not records:
        return
    data = "".join(json.dumps(r, ensure_ascii=False, allow_nan=False) + "\n" for r in records).encode("utf-8")
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        _drop_cut_tail(fd)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def _drop_cut_tail(fd: int) -> None:
    """If the file ends in a line a kill cut short, truncate it so the next record starts clean."""
    size = os.fstat(fd).st_size
    if size == 0:
        return
    if os.pread(fd, 1, size - 1) == b"\n":
        return
    start = max(0, size - (1 << 20))
    chunk = os.pread(fd, size - start, start)
    last_newline = chunk.rfind(b"\n")
    os.ftruncate(fd, start + last_newline + 1 if last_newline >= 0 else start)


def write_json_atomic(path: Path, obj: Any) -> None:
    write_text_atomic(path, json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


def write_text_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RunDirectory:
    """An open run directory, held under a lock for one (run, shard) for as long as it is open."""

    def __init__(self, path: Path, shard: tuple[int, int] = (0, 1)):
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
    def audio_dir(self) -> Path:
        return self.path / "audio"

    def open(self, resume: bool) -> None:
        """Take the lock; refuse a directory that holds another run unless resuming it."""
        self.path.mkdir(parents=True, exist_ok=True)
        i, n = self.shard
        lock_path = self.path / f".lock-shard-{i}-of-{n}"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
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
        if manifest is not None:
            recorded = manifest.get("shard_count", 1)
            if recorded != self.shard[1]:
                raise RunDirError(
                    f"run directory {self.path} was started with --shard ?/{recorded}; "
                    f"resume it with the same shard count, not {self.shard[1]}"
                )
        if not resume and (manifest is None or self.shard[1] == 1 or self._shard_started(manifest)):
            raise RunDirError(
                f"run directory {self.path} already holds a run; pass --resume to continue it or choose another --out"
            )

    def _shard_started(self, manifest: dict) -> bool:
        return any(s.get("shard") == f"{self.shard[0]}/{self.shard[1]}" for s in manifest.get("sessions", []))

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> RunDirectory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read_manifest(self) -> dict | None:
        if not self.manifest_path.is_file():
            return None
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise RunDirError(f"{self.manifest_path} is not valid JSON ({err.msg})") from None

    @contextmanager
    def manifest_lock(self) -> Iterator[None]:
        """Shards update one manifest: read-modify-write under a lock of its own."""
        fd = os.open(self.path / ".lock-manifest", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def recorded_keys(self) -> set[tuple[str, str, str, str]]:
        return {sample_key(r) for r in read_jsonl(self.samples_path)}

    def append_sample(self, record: dict) -> None:
        append_jsonl(self.samples_path, [record])
