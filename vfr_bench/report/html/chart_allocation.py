"""The listening report's allocation charts (docs/analyses.md), drawn by the page like the others:
achieved Hz in speech and in silence per requested rate (a panel per task, 95% CIs), and the
allocation and bits tables as plotly tables (a continuous side reads "continuous", never a number)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from vfr_bench.report.fig_allocation import SIDES

if TYPE_CHECKING:
    from vfr_bench.report.results import Results

Chart = dict[str, Any]


def allocation_charts(results: Results) -> dict[str, Chart]:
    """{name: plotly JSON} of the allocation charts there is data for."""
    from vfr_bench.report.allocation_tables import allocation_metrics

    metrics = allocation_metrics(results.summary)
    out: dict[str, Chart] = {}
    if {"achieved_hz_speech", "achieved_hz_silence"} & set(metrics):
        out["token_allocation"] = _rates_chart(results)
    if metrics:
        out["allocation_table"] = _table_chart(results, metrics)
    bits = results.bits()
    if len(bits):
        out["bits_table"] = _bits_chart(bits)
    pairs = results.modality_pairs()
    if len(pairs):
        out["modality_table"] = _modality_chart(pairs)
    return out


def _rates_chart(results: Results) -> Chart:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    rows = results.summary[results.summary["metric"].isin([m for m, _, _ in SIDES])]
    tasks = sorted(set(rows["task"]))
    fig = make_subplots(rows=1, cols=len(tasks), subplot_titles=tasks, horizontal_spacing=0.08)
    for col, task in enumerate(tasks, 1):
        for s in results.series.values():
            for metric, where, line in SIDES:
                part = rows[(rows["task"] == task) & (rows["label"] == s.label) & (rows["metric"] == metric)]
                part = part.dropna(subset=["requested_input_hz"]).sort_values("requested_input_hz")
                if part.empty:
                    continue
                y, low, high = (
                    part[c].astype(float).fillna(part["value"]).to_numpy() for c in ("value", "ci_low", "ci_high")
                )
                fig.add_trace(
                    go.Scatter(
                        x=part["requested_input_hz"].tolist(), y=y.tolist(), mode="lines+markers",
                        name=f"{s.label}, {where}", legendgroup=f"{s.label}, {where}", showlegend=col == 1,
                        line={"color": s.colour, "dash": "solid" if line == "-" else "dash"},
                        marker={"symbol": "circle" if where == "speech" else "circle-open", "size": 8},
                        error_y={"type": "data", "symmetric": False, "array": (high - y).tolist(),
                                 "arrayminus": (y - low).tolist()},
                        hovertemplate=f"<b>{s.label}</b> / {task}<br>{where}: %{{y:.3f}} Hz at %{{x:g}} Hz"
                        "<extra></extra>",
                    ),
                    row=1, col=col,
                )  # fmt: skip
        fig.update_xaxes(title_text="requested input rate (Hz)", row=1, col=col)
        fig.update_yaxes(title_text="achieved input Hz", row=1, col=col)
    return _layout(fig, "Token allocation: units per second of speech and of silence (VAD, 95% CIs)")


def _table_chart(results: Results, metrics: list[str]) -> Chart:
    import plotly.graph_objects as go

    from vfr_bench.report.tables import formatted

    text, _best, _unstable = formatted(results.summary, results.series, metrics, 3)
    fig = go.Figure(go.Table(header={"values": list(text.columns)}, cells={"values": [text[c].tolist() for c in text]}))
    return _layout(fig, "Where the units go (95% CIs)", height=120 + 28 * len(text))


def _bits_chart(bits: Any) -> Chart:
    from vfr_bench.report.allocation_tables import bits_markdown

    return _markdown_table(bits_markdown(bits), "Bits per second (content + duration side information)")


def _modality_chart(pairs: Any) -> Chart:
    from vfr_bench.report.modality_table import modality_markdown

    return _markdown_table(modality_markdown(pairs), "Modality pairs: QA accuracy and the speech gaps (95% CIs)")


def _markdown_table(text: str, title: str) -> Chart:
    """A Markdown table (the static report's, so both say the same) as a plotly table."""
    import plotly.graph_objects as go

    lines = [line.strip().strip("|").split(" | ") for line in text.strip().splitlines()]
    head, body = [c.strip() for c in lines[0]], [[c.strip() for c in line] for line in lines[2:]]
    columns = [list(col) for col in zip(*body)] if body else [[] for _ in head]
    fig = go.Figure(go.Table(header={"values": head}, cells={"values": columns}))
    return _layout(fig, title, height=120 + 28 * len(body))


def _layout(fig: Any, title: str, height: int = 380) -> Chart:
    fig.update_layout(
        title={"text": title, "font": {"size": 14}}, template="plotly_white", height=height,
        margin={"l": 60, "r": 20, "t": 70, "b": 50}, legend={"orientation": "h", "y": -0.25},
    )  # fmt: skip
    return json.loads(fig.to_json())
