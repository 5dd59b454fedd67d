"""One progress interface for everything that walks many items: runs, scoring, the latency lab.

Library code reports progress here and messages through `logging`; the command line shows both
(a rich progress bar on a terminal, one line per finished item off it). The base class is silent.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping


class Progress:
    """A group of work (a run's cell, a metric's pass) starts with a total, advances item by item
    with each item's status, and finishes with the counts per status."""

    def start(self, key: Hashable, label: str, total: int) -> None: ...

    def advance(self, key: Hashable, status: str = "ok") -> None: ...

    def finish(self, key: Hashable, counts: Mapping[str, int]) -> None: ...


SILENT = Progress()
