"""Reading a JSON-lines file as another process appends to it: the complete lines added since the
last read. A line still being written (no newline yet) waits for the next read; a file replaced
under the reader (an atomic rewrite: `score --rescore`) is read again from its start."""

from __future__ import annotations

import os
from pathlib import Path


class JsonlTail:
    def __init__(self, path: Path):
        self.path = path
        self.offset = 0
        self.inode: int | None = None

    def read(self) -> tuple[list[str], bool]:
        """(the complete lines appended since the last read, whether the file was replaced and these
        lines are the whole file again)."""
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return [], False
        restarted = self.inode is not None and (stat.st_ino != self.inode or stat.st_size < self.offset)
        if restarted:
            self.offset = 0
        self.inode = stat.st_ino
        if stat.st_size <= self.offset:
            return [], restarted
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read(stat.st_size - self.offset)
        end = data.rfind(b"\n")
        if end < 0:
            return [], restarted
        self.offset += end + 1
        lines = [line.decode("utf-8") for line in data[: end + 1].split(b"\n") if line.strip(b" \t\r")]
        return lines, restarted
