"""Faults outside vfr-bench's control, in words: a full disk, a file it may not read or write, a
damaged run directory. `explain` gives the one line a user sees (naming the file and what to do);
anything it does not know is a bug and keeps its traceback."""

from __future__ import annotations

import errno
import traceback
from pathlib import Path

from vfr_bench.jsonl import StoreError
from vfr_bench.run_dir import RunDirError

# the run directory survives these: every finished record was fsynced before the fault
FULL = {errno.ENOSPC: "no space left on the device", errno.EDQUOT: "disk quota exceeded",
        errno.EFBIG: "file too large for the file system"}  # fmt: skip
DENIED = {errno.EACCES, errno.EPERM}
AFTER_FULL = (
    "free space and run the same command again (a run continues where it stopped with --resume; every "
    "sample and score finished before the fault is kept)"
)


def explain(err: BaseException) -> str | None:
    """The one-line message for an expected fault; None for anything else (a bug)."""
    if isinstance(err, StoreError | RunDirError):
        return str(err)
    if not isinstance(err, OSError):
        return None
    where = err.filename or "a file"
    if err.errno in FULL:
        return f"cannot write {where}: {FULL[err.errno]}; {AFTER_FULL}"
    if err.errno in DENIED:
        return f"{where}: permission denied; give this user access to it, or choose another place (--out)"
    if err.errno == errno.EROFS:
        return f"cannot write {where}: the file system is read-only; choose another place (--out)"
    if err.errno == errno.ENOENT:
        return f"{where}: does not exist"
    return f"{where}: {err.strerror or err}"


def error_text(err: BaseException) -> str:
    """An exception as one line for a record or a message: its type and its message with line breaks
    folded; an exception without a message (a bare `assert`) says where it was raised instead, since
    "AssertionError" alone tells a user nothing."""
    message = " ".join(str(err).split())
    if message:
        return f"{type(err).__name__}: {message}"
    frames = traceback.extract_tb(err.__traceback__)
    if not frames:
        return type(err).__name__
    last = frames[-1]
    code = f": {last.line}" if last.line else ""
    return f"{type(err).__name__} at {Path(last.filename).name}:{last.lineno} in {last.name}{code}"
