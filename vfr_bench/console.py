"""Terminal output: the progress bar with ETA per cell, and the results table."""

from __future__ import annotations

from collections import defaultdict

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import (
    Progress as RichProgress,
)
from rich.table import Table

from vfr_bench.runner import Cell, Progress


class RichProgressReporter(Progress):
    """One bar per (model, rate, task) cell; on a non-terminal (CI logs) one line per cell instead."""

    def __init__(self, console: Console):
        self.console = console
        self.bar = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            disable=not console.is_terminal,
            transient=False,
        )
        self._ids: dict[int, int] = {}

    def __enter__(self) -> RichProgressReporter:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def cell_started(self, cell: Cell, total: int) -> None:
        self._ids[id(cell)] = self.bar.add_task(f"{cell.model} @ {cell.spec.label} Hz, {cell.task.name}", total=total)

    def sample_done(self, cell: Cell, status: str) -> None:
        self.bar.advance(self._ids[id(cell)])

    def cell_finished(self, cell: Cell, counts: dict[str, int]) -> None:
        if not self.console.is_terminal:
            parts = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
            self.console.print(f"{cell.model} @ {cell.spec.label} Hz, {cell.task.name}: {parts}")

    def message(self, text: str) -> None:
        self.console.print(f"[yellow]{text}[/yellow]")


def results_table(summary_rows: list[dict], samples: list[dict]) -> Table:
    """model, task, requested and achieved Hz (mean, p95 |error|), WER, t_total p50, ok/error/skipped."""
    by_cell: dict[tuple, dict[str, dict]] = defaultdict(dict)
    for row in summary_rows:
        by_cell[(row["model"], row["task"], row["rate_spec"])][row["metric"]] = row
    status: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    requested: dict[tuple, tuple] = {}
    for s in samples:
        cell = (s["model"], s["task"], s["rate_spec"])
        status[cell][s["status"]] += 1
        requested[cell] = (s["requested_input_hz"], s["requested_output_hz"])
    table = Table(title="vfr-bench results (rate = requested IN[:OUT] Hz; |err| = |achieved/requested - 1|)")
    for col in (
        "model",
        "task",
        "rate",
        "in Hz",
        "in p95 |err|",
        "out Hz",
        "out p95 |err|",
        "WER [95% CI]",
        "speech WER",
        "t_total p50 s",
        "ok/err/skip",
    ):
        table.add_column(col, justify="left" if col in ("model", "task") else "right", no_wrap=True)
    for cell in sorted(status, key=lambda c: (c[0], c[1], -(requested[c][0] or 1e9), c[2])):
        m = by_cell.get(cell, {})
        st = status[cell]
        table.add_row(
            cell[0],
            cell[1],
            cell[2],
            _val(m, "achieved_input_hz", "{:.2f}"),
            _val(m, "input_rate_abs_error_p95", "{:.1%}"),
            _val(m, "achieved_output_hz", "{:.2f}"),
            _val(m, "output_rate_abs_error_p95", "{:.1%}"),
            _wer(m.get("wer")),
            _val(m, "asr_wer", "{:.3f}"),
            _val(m, "t_total_p50", "{:.3f}"),
            f"{st['ok']}/{st['error']}/{st['skipped']}",
        )
    return table


def _val(metrics: dict, name: str, fmt: str) -> str:
    row = metrics.get(name)
    return "-" if row is None else fmt.format(float(row["value"]))


def _wer(row: dict | None) -> str:
    if row is None:
        return "-"
    ci = f" [{row['ci_low']:.3f}, {row['ci_high']:.3f}]" if row.get("ci_low") is not None else ""
    return f"{row['value']:.3f}{ci}"
