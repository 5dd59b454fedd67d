"""Text from outside (a model's name, a user's label, a task name) made safe for each written format.

Every table writer puts every such cell through the function of its format: a `|` or a newline in a
label must not shift a Markdown table's columns, a `^` or `~` must not break a LaTeX table, and a name
starting with `=` must not reach a spreadsheet as a formula.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

_NEWLINES = re.compile(r"\r\n|[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_LATEX = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "%": r"\%",
    "_": r"\_", "^": r"\^{}", "~": r"\textasciitilde{}",
}  # fmt: skip
_LATEX_SPECIAL = re.compile("|".join(re.escape(c) for c in _LATEX))
# OWASP, "CSV Injection": a cell starting with one of these is a formula to a spreadsheet
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def markdown_cell(text: Any) -> str:
    """A Markdown table cell: one line, its pipes (and the backslashes that could undo their escape)
    escaped, and a `<` that could open an HTML tag, comment or autolink (CommonMark: followed by a letter,
    `/`, `!` or `?`) made literal, so a label cannot open one in a pull-request comment; `<=` stays readable."""
    out = _NEWLINES.sub(" ", str(text)).replace("\\", "\\\\").replace("|", "\\|")
    return _TAG_START.sub("&lt;", out)


def markdown_row(cells: Iterable[Any]) -> str:
    """One table row of escaped cells. Cells a writer built itself (bold, numbers) go through
    `markdown_cell` too: it leaves them as they are."""
    return "| " + " | ".join(markdown_cell(c) for c in cells) + " |"


def latex_text(text: Any) -> str:
    """Text in a LaTeX table: every special character escaped in one pass (so an escape's own
    backslash and braces are never escaped again), newlines as spaces."""
    return _LATEX_SPECIAL.sub(lambda m: _LATEX[m.group()], _NEWLINES.sub(" ", str(text)))


def csv_cell(value: Any) -> Any:
    """A CSV cell: a text cell a spreadsheet would run as a formula gets a leading `'` (OWASP's advice),
    unless it is a plain number; numbers pass as they are, a missing one (NaN, NA) is an empty cell as
    pandas writes it (quoting is the csv writer's)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or type(value).__name__ == "NAType":
        return None
    if not isinstance(value, str) or not value.startswith(CSV_FORMULA_STARTS) or _NUMBER.fullmatch(value):
        return value
    return "'" + value


def csv_text(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """A whole CSV document, every cell (the header's too) through `csv_cell`."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_cell(str(h)) for h in header])
    writer.writerows([csv_cell(c) for c in row] for row in rows)
    return buffer.getvalue()
