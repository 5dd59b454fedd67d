"""The tables of `vfr-bench list`: rows (plain dicts) as a table that fits the width it is printed at.

The first column (the name) never wraps or shrinks. Where the table cannot fit without squeezing
words apart, the columns named in `drop` are left out, in that order, and a note under the table
names them (`--json` shows every field).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

Row = dict[str, Any]


class ListTable:
    def __init__(
        self, rows: list[Row], title: str | None = None, empty: dict[str, str] | None = None, drop: Sequence[str] = ()
    ):
        self.rows = rows
        self.title = title
        self.empty = empty or {}
        self.drop = [k for k in drop if rows and k in rows[0]]

    def table(self, left_out: Sequence[str] = ()) -> Table:
        """Headings from the keys, lists joined, `empty[key]` for an empty value."""
        out = Table(title=self.title, title_justify="left")
        keys = [k for k in (self.rows[0] if self.rows else []) if k not in left_out]
        for i, key in enumerate(keys):
            out.add_column(key.replace("_", " "), no_wrap=i == 0)
        for row in self.rows:
            out.add_row(*(self.empty.get(k, "-") if row[k] in ([], None, "") else text(row[k]) for k in keys))
        return out

    def fit(self, console: Console, options: ConsoleOptions) -> tuple[Table, list[str]]:
        """The table with as few columns left out as lets every word keep its width."""
        left_out: list[str] = []
        table = self.table()
        unbounded = options.update_width(100_000)  # a table measured within a width is squeezed to it
        for key in self.drop:
            if Measurement.get(console, unbounded, table).minimum <= options.max_width:
                break
            left_out.append(key)
            table = self.table(left_out)
        return table, left_out

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
