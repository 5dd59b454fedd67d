"""What the command line shows: log messages, progress (a bar per unit on a terminal, a line per
finished unit off it, as in CI logs) and tables (the results table: vfr_bench.cli.results_table)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Hashable, Mapping

from rich.console import Console, RenderableType
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress

from vfr_bench.cli.results_table import results_table
from vfr_bench.progress import Progress


def stderr_console() -> Console:
    return Console(stderr=True, soft_wrap=True)  # never wrap paths in messages


def setup_logging(console: Console, level: int = logging.INFO) -> None:
    """vfr_bench's messages through rich on stderr; other libraries' only from warnings up."""
    handler = RichHandler(console=console, show_time=False, show_path=False, markup=False, rich_tracebacks=False)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger("vfr_bench")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


class ConsoleProgress(Progress):
    """One bar per group on a terminal; off a terminal one line per finished group."""

    def __init__(self, console: Console):
        self.console = console
        self.bar = RichProgress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("ETA"), TimeRemainingColumn(), console=console, disable=not console.is_terminal,
            transient=False,
        )  # fmt: skip
        self._ids: dict[Hashable, TaskID] = {}
        self._labels: dict[Hashable, tuple[str, float]] = {}

    def __enter__(self) -> ConsoleProgress:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def start(self, key: Hashable, label: str, total: int) -> None:
        self._ids[key] = self.bar.add_task(label, total=total)
        self._labels[key] = (label, time.perf_counter())

    def advance(self, key: Hashable, status: str = "ok") -> None:
        self.bar.advance(self._ids[key])

    def finish(self, key: Hashable, counts: Mapping[str, int]) -> None:
        if not self.console.is_terminal:
            label, started = self._labels[key]
            parts = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
            self.console.print(f"{label}: {parts} ({time.perf_counter() - started:.1f} s)")


def print_table(table: RenderableType) -> None:
    """Tables go to stdout, never cropped (a `--wide` table may be wider than the terminal); off a
    terminal (logs, CI) at $COLUMNS, else 200 columns rather than rich's 80."""
    console = Console()
    if not console.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
        console = Console(width=200)
    console.print(table, crop=False)


__all__ = ["ConsoleProgress", "print_table", "results_table", "setup_logging", "stderr_console"]
