"""`index.html`: the listening report, one page that opens from the file system with no network.

The page is static/template.html with its CSS, its script (static/app.js) and plotly.js inlined, and
the overview's data and the sample index as JSON; the sample groups are in `samples/chunk-NNNN.js`
and the audio in `media/` (media.py), all referenced relative to the report folder."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfr_bench.jsonl import write_text_atomic
from vfr_bench.report.html import samples as sample_data
from vfr_bench.report.html.media import COPY_NAME, FOLDER, KINDS, Media
from vfr_bench.report.html.overview import overview_charts, overview_table
from vfr_bench.report.html.written import Written

if TYPE_CHECKING:
    from vfr_bench.report.results import Results

PAGE = "index.html"
CHUNKS = "samples"


def default_title(results: Results) -> str:
    return "vfr-bench report: " + " vs ".join(p.resolve().name for p in results.paths)


def write_html(results: Results, out: str | Path, title: str | None = None) -> Written:
    """Write index.html, its sample chunks and its media into `out` (earlier chunks and media replaced);
    the title names the runs unless given."""
    title, out = title or default_title(results), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _clear(out)
    media = Media(out)
    groups = sample_data.sample_groups(results.runs, results.series, media)
    (out / CHUNKS).mkdir(exist_ok=True)
    n_chunks = 0
    for number, part in sample_data.chunks(groups):
        text = f"window.vfrChunk({number}, {_json(part)});\n"
        write_text_atomic(out / CHUNKS / f"chunk-{number:04d}.js", text)
        n_chunks += 1
    data = {
        "title": title,
        "series": [
            {"label": s.label, "model": s.model, "run": s.run.name, "colour": s.colour} for s in results.series.values()
        ],  # fmt: skip
        "rates": [str(r) for r in results.samples["rate_spec"].cat.categories] if len(results.samples) else [],
        "tasks": sorted({g["task"] for g in groups}),
        "table": overview_table(results),
        "charts": overview_charts(results),
        "index": sample_data.light_index(groups),
        "chunkFolder": CHUNKS,
    }
    write_text_atomic(out / PAGE, _page(data))
    rows = sum(len(g["rows"]) for g in groups)
    return Written(out / PAGE, len(groups), rows, n_chunks, media.missing)


def _clear(out: Path) -> None:
    """Remove what an earlier write_html left (its chunks and audio copies, by their names), and
    nothing else: `out` may be any folder."""
    stale = list((out / CHUNKS).glob("chunk-[0-9][0-9][0-9][0-9].js"))
    stale += [f for kind in KINDS for f in (out / FOLDER / kind).glob("*") if COPY_NAME.fullmatch(f.name)]
    for file in stale:
        file.unlink()


def _json(value: Any) -> str:
    """JSON safe inside a <script> element."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _static(name: str) -> str:
    return resources.files("vfr_bench.report.html").joinpath("static", name).read_text(encoding="utf-8")


def _page(data: dict[str, Any]) -> str:
    from plotly.offline import get_plotlyjs

    page = _static("template.html")
    parts = {
        "{{title}}": _escape(data["title"]),
        "{{css}}": _static("app.css"),
        "{{plotly}}": get_plotlyjs().replace("</script", "<\\/script"),
        "{{data}}": _json(data),
        "{{app}}": _static("app.js"),
    }
    return re.sub(r"\{\{\w+\}\}", lambda m: parts.get(m.group(0), m.group(0)), page)  # one pass


def _escape(text: str) -> str:
    import html

    return html.escape(text)
