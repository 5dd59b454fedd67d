"""The tables of `vfr-bench list`: rows (plain dicts) as a table that fits the width it is printed at.

The first column (the name) never wraps or shrinks; the others wrap between words, never inside one,
so a hint such as the environment variable to set stays whole. Where the table cannot fit so, the
columns named in `drop` are left out, in that order, and a note under the table names them (`--json`
shows every field); where it still cannot, it is printed wider than the console rather than cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

Row = dict[str, Any]
SHORT = 16  # a column no wider than this (a size, a kind) wraps only after every longer one has


class ListTable:
    def __init__(
        self, rows: list[Row], title: str | None = None, empty: dict[str, str] | None = None, drop: Sequence[str] = ()
    ):
        self.rows = rows
        self.title = title
        self.empty = empty or {}
        self.drop = [k for k in drop if rows and k in rows[0]]

    def cells(self, left_out: Sequence[str] = ()) -> tuple[list[str], list[list[str]]]:
        """Headings from the keys and each row's cells: lists joined, `empty[key]` for an empty value."""
        keys = [k for k in (self.rows[0] if self.rows else []) if k not in left_out]
        rows = [
            [self.empty.get(k, "-") if row[k] in ([], None, "") else text(row[k]) for k in keys] for row in self.rows
        ]
        return keys, rows

    def table(self, left_out: Sequence[str] = (), widths: Sequence[int] | None = None) -> Table:
        """The table, each column `widths[i]` cells wide where given (rich's own squeezing would cut words)."""
        keys, rows = self.cells(left_out)
        out = Table(title=self.title, title_justify="left")
        for i, key in enumerate(keys):
            width = widths[i] if widths is not None else None
            out.add_column(key.replace("_", " "), no_wrap=i == 0, width=width, overflow="fold")
        for row in rows:
            out.add_row(*row)
        return out

    def widths(self, left_out: Sequence[str], space: int, fit: bool = True) -> list[int] | None:
        """Column widths within `space` console columns that wrap text between words and never inside
        one (the first column whole); where even that does not fit, None (`fit`), else the narrowest
        such widths, wider than `space`."""
        keys, rows = self.cells(left_out)
        columns = [[key.replace("_", " "), *(row[i] for row in rows)] for i, key in enumerate(keys)]
        widest = [max(cell_len(line) for c in col for line in c.splitlines() or [""]) for col in columns]
        least = [max(cell_len(w) for c in col for w in c.split() or [""]) for col in columns]
        least[0] = widest[0]  # the name is never wrapped
        room = space - (3 * len(keys) + 1)  # a border before each column and after the last, padding 1 each side
        if sum(least) > room:
            return None if fit else least
        widths, excess = list(widest), sum(widest) - room
        while excess > 0:  # narrow the widest column of prose that can wrap further; short values last
            i = max(range(len(widths)), key=lambda j: (widths[j] > least[j], widest[j] > SHORT, widths[j]))
            widths[i] -= 1
            excess -= 1
        return widths

    def fit(self, console: Console, options: ConsoleOptions) -> tuple[Table, list[str]]:
        """The table with as few columns left out as lets every word keep its width."""
        left_out: list[str] = []
        for key in self.drop:
            widths = self.widths(left_out, options.max_width)
            if widths is not None:
                return self.table(left_out, widths), left_out
            left_out.append(key)
        return self.table(left_out, self.widths(left_out, options.max_width, fit=False)), left_out

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        table, _ = self.fit(console, options)
        return Measurement.get(console, options, table)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        table, left_out = self.fit(console, options)
        yield table
        if left_out:
            names = ", ".join(k.replace("_", " ") for k in left_out)
            yield Text(f"not shown at {options.max_width} columns: {names} (--json shows every field)", style="dim")


def text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)
