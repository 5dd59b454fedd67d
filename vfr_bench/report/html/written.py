"""What writing the listening report made (vfr_bench.write_html, and `vfr-bench report`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Written:
    page: Path
    groups: int  # (task, sample id) groups in the sample browser
    rows: int  # (series, rate) rows over all groups
    chunks: int
    missing_audio: list[Path]  # audio files not found: left out of the page
