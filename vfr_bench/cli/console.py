"""What the command line shows: log messages, progress (a bar per unit on a terminal, a line per
finished unit off it, as in CI logs) and the results table."""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Mapping

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


# (heading, how a cell's summary rows become its text); a column no row fills is left out
RESULT_COLUMNS: tuple[tuple[str, Callable[[dict[str, SummaryRow]], str | None]], ...] = (
    ("in Hz", lambda m: _hz(m, "input")),
    ("out Hz", lambda m: _hz(m, "output")),
    ("WER [95% CI]", lambda m: _with_ci(m.get("wer"))),
    ("ASR WER [95% CI]", lambda m: _with_ci(m.get("asr_wer"))),
    ("t_total", lambda m: None if "t_total_p50" not in m else f"{m['t_total_p50'].value:.3f}"),
)
TITLE = (
    "vfr-bench results. rate: requested IN[:OUT] Hz; in/out Hz: achieved (p95 |achieved/requested - 1|);\n"
    "t_total: p50 in seconds; samples: ok/error/skipped"
)


def results_table(summary_rows: list[SummaryRow], samples: list[SampleRecord]) -> Table:
    """model, task, rate, achieved Hz with p95 |error| per side, WER, t_total p50, ok/error/skipped.
    Sized for a 100-column terminal: columns no row fills are left out, one space between columns."""
    by_cell: dict[tuple, dict[str, SummaryRow]] = defaultdict(dict)
    for row in summary_rows:
        by_cell[(row.model, row.task, row.rate_spec)][row.metric] = row
    status: dict[tuple, Counter[str]] = defaultdict(Counter)
    requested: dict[tuple, float | None] = {}
    for s in samples:
        cell = (s.model, s.task, s.rate_spec)
        status[cell][s.status] += 1
        requested[cell] = s.requested_input_hz
    cells = sorted(status, key=lambda c: (c[0], c[1], -(requested[c] or 1e9), c[2]))
    texts = {c: [show(by_cell.get(c, {})) for _, show in RESULT_COLUMNS] for c in cells}
    kept = [i for i in range(len(RESULT_COLUMNS)) if any(texts[c][i] is not None for c in cells)]
    table = Table(title=TITLE, title_justify="left", box=None, padding=(0, 1, 0, 0), header_style="bold underline")
    table.add_column("model", overflow="fold", min_width=min(24, max([5, *(len(c[0]) for c in cells)])))
    table.add_column("task", overflow="fold", min_width=min(16, max([4, *(len(c[1]) for c in cells)])))
    for heading in ("rate", *(RESULT_COLUMNS[i][0] for i in kept), "samples"):
        table.add_column(heading, justify="right", no_wrap=True)
    for c in cells:
        counts = status[c]
        table.add_row(*c, *(texts[c][i] or "-" for i in kept), f"{counts['ok']}/{counts['error']}/{counts['skipped']}")
    return table


def _hz(metrics: dict[str, SummaryRow], side: str) -> str | None:
    achieved, error = metrics.get(f"achieved_{side}_hz"), metrics.get(f"{side}_rate_abs_error_p95")
    if achieved is None:
        return None
    return f"{achieved.value:.2f}" + (f" ({error.value:.1%})" if error is not None else "")


def _with_ci(row: SummaryRow | None) -> str | None:
    if row is None:
        return None
    ci = f" [{row.ci_low:.3f}, {row.ci_high:.3f}]" if row.ci_low is not None and row.ci_high is not None else ""
    return f"{row.value:.3f}{ci}"


def print_table(table: Table) -> None:
    """Tables go to stdout; off a terminal (logs, CI) rich would wrap them at 80 columns."""
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)
    console.print(table)
