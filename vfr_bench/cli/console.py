"""What the command line shows: log messages, progress (a bar per unit on a terminal, a line per
finished unit off it, as in CI logs) and the results table."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Hashable, Mapping

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress
from rich.table import Table

from vfr_bench.progress import Progress
from vfr_bench.records import SampleRecord, SummaryRow


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


def results_table(summary_rows: list[SummaryRow], samples: list[SampleRecord]) -> Table:
    """model, task, requested and achieved Hz (mean, p95 |error|), WER, t_total p50, ok/error/skipped."""
    by_cell: dict[tuple, dict[str, SummaryRow]] = defaultdict(dict)
    for row in summary_rows:
        by_cell[(row.model, row.task, row.rate_spec)][row.metric] = row
    status: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    requested: dict[tuple, float | None] = {}
    for s in samples:
        cell = (s.model, s.task, s.rate_spec)
        status[cell][s.status] += 1
        requested[cell] = s.requested_input_hz
    table = Table(title="vfr-bench results (rate = requested IN[:OUT] Hz; |err| = |achieved/requested - 1|)")
    for col in ("model", "task", "rate", "in Hz", "in p95 |err|", "out Hz", "out p95 |err|", "WER [95% CI]",
                "speech WER", "t_total p50 s", "ok/err/skip"):  # fmt: skip
        table.add_column(col, justify="left" if col in ("model", "task") else "right", no_wrap=True)
    for cell in sorted(status, key=lambda c: (c[0], c[1], -(requested[c] or 1e9), c[2])):
        m, st = by_cell.get(cell, {}), status[cell]
        table.add_row(
            cell[0], cell[1], cell[2], _val(m, "achieved_input_hz", "{:.2f}"),
            _val(m, "input_rate_abs_error_p95", "{:.1%}"),
            _val(m, "achieved_output_hz", "{:.2f}"), _val(m, "output_rate_abs_error_p95", "{:.1%}"), _wer(m.get("wer")),
            _val(m, "asr_wer", "{:.3f}"), _val(m, "t_total_p50", "{:.3f}"), f"{st['ok']}/{st['error']}/{st['skipped']}",
        )  # fmt: skip
    return table


def _val(metrics: dict[str, SummaryRow], name: str, fmt: str) -> str:
    row = metrics.get(name)
    return "-" if row is None else fmt.format(row.value)


def _wer(row: SummaryRow | None) -> str:
    if row is None:
        return "-"
    ci = f" [{row.ci_low:.3f}, {row.ci_high:.3f}]" if row.ci_low is not None and row.ci_high is not None else ""
    return f"{row.value:.3f}{ci}"


def print_table(table: Table) -> None:
    """Tables go to stdout; off a terminal (logs, CI) rich would wrap them at 80 columns."""
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)
    console.print(table)
