"""The results table `run` and `score` print: one row per (model, task, rate spec) cell.

Essential columns (model, task, rate, achieved input Hz, the task's main metric) are always shown
whole; the others are kept in this order while the console's width holds them: t_total (with rate
and quality, the third thing vfr-bench measures: it goes only where the essential columns leave no
room for it), output Hz, the task's further metrics, then the samples column, the first to go. A
note under the table names those left out (`--wide` shows every column, wider than the console if
need be). The judge ceiling (`score --judge-ceiling`, the pseudo-model `judge-ceiling`) is no
model: it is shown as a line per task under the table, never as a row.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from vfr_bench.records import CellKey, SampleRecord, SummaryRow

CEILING_MODEL = "judge-ceiling"  # vfr_bench.scoring.ceiling.MODEL: scores with no sample of their own
LEGEND = (
    "rate: requested IN[:OUT] Hz; in/out Hz: achieved (p95 |achieved/requested - 1|); main metric: the "
    "task's first metric [95% CI]; t_total: p50 in seconds; samples: ok/error/skipped"
)
Cell = CellKey  # model, task, rate spec, batch size
KEY_COLUMNS = ("model", "task", "rate")  # shown even when another column is empty everywhere and left out


@dataclass
class Column:
    heading: str
    cells: list[str]
    essential: bool = False
    priority: int = 0  # optional columns: the lower, the sooner kept
    left: bool = False

    @property
    def width(self) -> int:
        return max([cell_len(self.heading), *(cell_len(c) for c in self.cells)])


class ResultsTable:
    """A rich renderable that fits itself to the width it is rendered at (see the module's text)."""

    def __init__(self, columns: list[Column], ceilings: list[str], wide: bool = False):
        self.columns = columns
        self.ceilings = ceilings
        self.wide = wide

    def fit(self, width: int) -> tuple[list[Column], list[Column]]:
        """(columns shown in table order, optional columns left out) at `width` console columns."""
        shown = {id(c) for c in self.columns if c.essential or self.wide}
        used = sum(c.width + 1 for c in self.columns if id(c) in shown)
        for column in sorted((c for c in self.columns if id(c) not in shown), key=lambda c: c.priority):
            if used + column.width + 1 <= width:
                shown.add(id(column))
                used += column.width + 1
        return [c for c in self.columns if id(c) in shown], [c for c in self.columns if id(c) not in shown]

    def full_width(self) -> int:
        return sum(c.width + 1 for c in self.columns)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        shown, _ = self.fit(options.max_width)
        return Measurement(sum(c.width + 1 for c in shown), self.full_width())

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        shown, dropped = self.fit(options.max_width)
        yield Text("vfr-bench results", style="bold")
        yield Text(LEGEND, style="dim")
        table = Table(box=None, padding=(0, 1, 0, 0), header_style="bold underline")
        for column in shown:
            table.add_column(column.heading, justify="left" if column.left else "right", no_wrap=True)
        for i in range(len(shown[0].cells) if shown else 0):
            table.add_row(*(c.cells[i] for c in shown))
        needed = sum(c.width + 1 for c in shown)  # essential columns wider than the console stay whole
        yield from console.render(table, options.update(width=max(needed, options.max_width)))
        if dropped:
            names = ", ".join(c.heading for c in dropped)
            yield Text(f"not shown at {options.max_width} columns: {names}; --wide shows every column", style="dim")
        for line in self.ceilings:
            yield Text(line)


def results_table(
    summary_rows: list[SummaryRow],
    samples: list[SampleRecord],
    task_metrics: Mapping[str, list[str]] | None = None,
    wide: bool = False,
) -> ResultsTable:
    """The table of a run's cells. `task_metrics`: each task's quality metrics in the task's order
    (the manifest's); without it a task's main metric is its first quality metric by name."""
    by_cell: dict[Cell, dict[str, SummaryRow]] = defaultdict(dict)
    for row in summary_rows:
        by_cell[row.cell][row.metric] = row
    status: dict[Cell, Counter[str]] = defaultdict(Counter)
    requested: dict[Cell, float | None] = {}
    for s in samples:
        status[s.cell][s.status] += 1
        requested[s.cell] = s.requested_input_hz
    cells = sorted(status, key=lambda c: (c.model, c.task, c.batch_size, -(requested[c] or 1e9), c.rate_spec))
    metrics = _quality_metrics(summary_rows, task_metrics)
    rows = [by_cell.get(c, {}) for c in cells]
    main = [_main(metrics.get(c[1], []), m) for c, m in zip(cells, rows, strict=True)]
    columns = [
        Column("model", [c[0] for c in cells], essential=True, left=True),
        Column("task", [c[1] for c in cells], essential=True, left=True),
        *_batch_column(cells),
        Column("rate", [c[2] for c in cells], essential=True),
        Column("in Hz", [_hz(m, "input") or "-" for m in rows], essential=True),
        Column("out Hz", [_hz(m, "output") or "-" for m in rows], priority=1),
        Column("main metric [95% CI]", main, essential=True),
    ]
    further = sorted({name for c in cells for name in metrics.get(c[1], [])[1:]})
    columns += [
        Column(f"{name} [95% CI]", [_with_ci(m.get(name)) or "-" for m in rows], priority=2 + i)
        for i, name in enumerate(further)
    ]
    columns.append(Column("t_total", [_value(m.get("t_total_p50")) for m in rows], priority=0))  # kept first
    counts = [status[c] for c in cells]
    outcomes = [f"{n['ok']}/{n['error']}/{n['skipped']}" for n in counts]
    columns.append(Column("samples", outcomes, priority=2 + len(further)))  # the first left out
    kept = [c for c in columns if c.heading in KEY_COLUMNS or any(cell != "-" for cell in c.cells)]
    return ResultsTable(kept, list(ceiling_lines(summary_rows)), wide)


def _batch_column(cells: list[Cell]) -> list[Column]:
    """The batch size, where a cell timed requests together (a latency-lab run's sweep); else no column."""
    if all(c.batch_size == 1 for c in cells):
        return []
    return [Column("batch", [str(c.batch_size) for c in cells], essential=True)]


def ceiling_lines(summary_rows: list[SummaryRow]) -> Iterator[str]:
    """One line per (task, metric) of the judge ceiling: what a perfect model would score."""
    for row in sorted((r for r in summary_rows if r.model == CEILING_MODEL), key=lambda r: (r.task, r.metric)):
        where = f"{row.task}, {row.metric}"
        yield f"judge ceiling ({where}): {_with_ci(row)}, n={row.n} (a correct answer spoken by TTS, then judged)"


def _quality_metrics(rows: list[SummaryRow], task_metrics: Mapping[str, list[str]] | None) -> dict[str, list[str]]:
    """task -> its quality metrics, main first."""
    if task_metrics is not None:
        return {task: list(names) for task, names in task_metrics.items()}
    from vfr_bench.metrics import all_metrics

    known = all_metrics()
    out: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row.model == CEILING_MODEL:
            continue
        metric = known.get(row.metric)
        if metric is None or metric.kind == "quality":
            out[row.task].add(row.metric)
    return {task: sorted(names) for task, names in out.items()}


def _main(names: list[str], metrics: dict[str, SummaryRow]) -> str:
    """The task's main metric: its name, value and CI."""
    if not names:
        return "-"
    shown = _with_ci(metrics.get(names[0]))
    return f"{names[0]} {shown}" if shown else f"{names[0]} -"


def _hz(metrics: dict[str, SummaryRow], side: str) -> str | None:
    achieved, error = metrics.get(f"achieved_{side}_hz"), metrics.get(f"{side}_rate_abs_error_p95")
    if achieved is None:
        return None
    return f"{achieved.value:.2f}" + (f" ({error.value:.1%})" if error is not None else "")


def _value(row: SummaryRow | None) -> str:
    return "-" if row is None else f"{row.value:.3f}"


def _with_ci(row: SummaryRow | None) -> str | None:
    if row is None:
        return None
    ci = f" [{row.ci_low:.3f}, {row.ci_high:.3f}]" if row.ci_low is not None and row.ci_high is not None else ""
    return f"{row.value:.3f}{ci}"
