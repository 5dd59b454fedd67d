"""Paper style: a colour-blind-safe palette with one fixed colour and marker per model."""

from __future__ import annotations

import hashlib

from vfr_bench.renamed import current_model_name

# Okabe & Ito (2008), safe for the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p")
# colours a reader can confuse beside each other (Okabe-Ito's blue and sky blue): a second series
# takes neither while the other is in use
CONFUSABLE = {0: 5, 5: 0}
# line styles by series (plotly's names; DASHES gives matplotlib's): a series differs in colour,
# marker and line
LINE_STYLES = ("solid", "dash", "dashdot", "dot", "longdash", "longdashdot")
DASHES: dict[str, object] = {
    "solid": "-", "dash": (0, (4, 2)), "dashdot": (0, (4, 1.5, 1, 1.5)), "dot": (0, (1, 1.5)),
    "longdash": (0, (8, 2)), "longdashdot": (0, (8, 2, 1, 2)),
}  # fmt: skip
# matplotlib's markers as plotly names them (the HTML charts draw each series as the figures do)
PLOTLY_SYMBOLS = {
    "o": "circle", "s": "square", "^": "triangle-up", "D": "diamond", "v": "triangle-down", "P": "cross",
    "X": "x", "*": "star", "<": "triangle-left", ">": "triangle-right", "h": "hexagon", "p": "pentagon",
}  # fmt: skip
# Known models keep their colour in every figure, whichever others share it.
FIXED = {
    "flexislm": 0,
    "qwen2.5-omni": 1,
    "kimi-audio": 2,
    "mimo-audio": 3,
    "fun-audio-chat": 4,
    "training-free-dynamic": 5,
    "training-free-uniform": 7,
    "training-free": 5,
}
SINGLE_COLUMN_INCHES = (3.4, 2.6)
DOUBLE_COLUMN_INCHES = (7.0, 2.8)


def model_index(name: str) -> int:
    name = current_model_name(name)  # a run from before a rename keeps the model's colour
    for prefix, index in sorted(FIXED.items(), key=lambda kv: -len(kv[0])):
        if name.startswith(prefix):
            return index
    return int(hashlib.sha1(name.encode()).hexdigest(), 16) % len(PALETTE)


def colour(name: str) -> str:
    return PALETTE[model_index(name)]


def marker(name: str) -> str:
    return MARKERS[model_index(name) % len(MARKERS)]


def face(name: str) -> str:
    """Marker face: variants of a model (its thinker alone, a tiny copy) are drawn hollow in its colour."""
    return "white" if name.endswith(("-thinker", "-tiny")) else colour(name)


def apply(style_file: str | None = None) -> None:
    """Embedded fonts (TrueType in PDF), small sizes for a paper; a user's style file wins."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "pdf.fonttype": 42,
            "ps.fonttype": 42,
            "font.size": 8,
            "axes.titlesize": 8,
            "axes.labelsize": 8,
            "legend.fontsize": 7,
            "xtick.labelsize": 7,
            "ytick.labelsize": 7,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "savefig.bbox": "tight",
            "savefig.dpi": 200,
        }
    )
    if style_file:
        plt.style.use(style_file)
