"""Append-only JSON-lines files and atomic writes: the storage under every run directory and cache.

A record is one complete line written with a single `write` under an exclusive lock (shards and
scorers share files), flushed and fsynced before the writer goes on, so a process killed at any
moment loses nothing it finished. A line a kill cut short (no newline at the end) is not a record:
readers ignore it and the next append truncates it first.
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

TAIL_SCAN = 1 << 20


class StoreError(RuntimeError):
    """A file of records that cannot be read as one; the message names the file and line."""


def complete_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of every complete, non-blank line; a last line with no newline is skipped."""
    if not path.is_file():
        return
    lines = path.read_bytes().split(b"\n")
    for number, line in enumerate(lines[:-1], 1):  # the part after the last newline is b"" or a cut line
        if not line.strip(b" \t\r"):  # JSON's whitespace; anything else on a line is a (broken) record
            continue
        try:
            yield number, line.decode("utf-8")
        except UnicodeDecodeError as err:
            raise StoreError(
                f"{path}:{number} is not UTF-8 text (byte {err.start + 1} of the line); the file is damaged: "
                "restore it from a copy, or delete that line and run the command that wrote it again"
            ) from None


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every complete line as a dict."""
    out = []
    for number, line in complete_lines(path):
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise StoreError(
                f"{path}:{number} is not valid JSON ({err.msg}); the file is damaged or was edited by hand: "
                "restore it from a copy, or delete that line"
            ) from None
    return out


def append_lines(path: Path, lines: list[str]) -> None:
    """Append whole lines (no newline inside) under an exclusive lock, then fsync."""
    if not lines:
        return
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    with named(path):
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            _drop_cut_tail(fd)
            view = memoryview(data)
            while view:  # a write the disk cut short leaves a line with no newline: the next append drops it
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)


@contextmanager
def named(path: Path) -> Iterator[None]:
    """An OSError from a write on a file descriptor (disk full, quota) names no file; name `path`."""
    try:
        yield
    except OSError as err:
        if err.filename is None:
            err.filename = str(path)
        raise


def append_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    """Append dicts as JSON lines (caches, tests); run records go through RunDirectory."""
    append_lines(path, [json.dumps(r, ensure_ascii=False, allow_nan=False) for r in records])


def _drop_cut_tail(fd: int) -> None:
    """If the file ends in a line a kill cut short, truncate it so the next record starts clean. The
    scan goes back block by block to the last newline, however long the cut line was."""
    end = os.fstat(fd).st_size
    if end == 0 or os.pread(fd, 1, end - 1) == b"\n":
        return
    position = end
    while position > 0:
        start = max(0, position - TAIL_SCAN)
        newline = os.pread(fd, position - start, start).rfind(b"\n")
        if newline >= 0:
            os.ftruncate(fd, start + newline + 1)
            return
        position = start
    os.ftruncate(fd, 0)  # no newline at all: the only line was cut


def write_text_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` all at once (a reader sees the old file or the new, never half).
    The file gets the permissions any new file would (0666 less the umask), not mkstemp's 0600, so
    colleagues on a shared cluster can read manifests, summaries and reports."""
    with named(path):
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            os.fchmod(fd, 0o666 & ~current_umask())
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)  # the old file stays whole
            raise


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
