"""Series: what one line, one box colour and one table row group stand for. A series is one model
in one run, so two runs of the same model (checkpoint A and checkpoint B) are two series and are
never merged. Labels come from `--label RUN=NAME`, else from the manifest: the model name, plus its
checkpoint, repo or weights (the first that tells the runs apart) or, failing those, the run
directory's name where the model name alone is ambiguous (the gate names its two sides alike)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from vfr_bench.records import IDENTITY_KEYS, Manifest
from vfr_bench.report import style

CEILING_MODEL = "judge-ceiling"  # scoring/ceiling.py's pseudo-model: drawn as a line, never as a series


@dataclass(frozen=True)
class Series:
    run: Path
    model: str
    label: str
    colour: str
    marker: str
    face: str
    dash: str = "solid"  # style.LINE_STYLES: plotly's name; style.DASHES[dash] is matplotlib's

    @property
    def line(self) -> object:
        """The series' line style for matplotlib."""
        return style.DASHES[self.dash]


class LabelError(ValueError):
    """A --label that names no run, or labels that would draw two series as one."""


def parse_labels(items: tuple[str, ...] | list[str]) -> dict[Path, str]:
    """`RUN=NAME` pairs (the last `=` splits, so a path may hold one); the run as a resolved path."""
    out: dict[Path, str] = {}
    for item in items:
        run, sep, name = item.rpartition("=")
        if not sep or not run or not name.strip():
            raise LabelError(f"--label {item!r}: give RUN_DIR=NAME")
        out[Path(run).resolve()] = name.strip()
    return out


def assign_series(runs: list[tuple[Path, Manifest, list[str]]], labels: dict[Path, str] | None = None) -> list[Series]:
    """One Series per (run, model) in the order given. `runs` holds (path, manifest, models in it);
    raises LabelError where a --label names no run or two series end up with one label."""
    labels = labels or {}
    paths = {Path(p).resolve() for p, _, _ in runs}
    unknown = [str(p) for p in labels if p not in paths]
    if unknown:
        raise LabelError(f"--label names no run given to this command: {', '.join(unknown)}")
    pairs = [(Path(p), m, model) for p, m, models in runs for model in sorted(models) if model != CEILING_MODEL]
    names = Counter(model for _, _, model in pairs)
    texts = [_label(p, m, model, names[model] > 1, pairs, labels) for p, m, model in pairs]
    clashes = sorted(t for t, n in Counter(texts).items() if n > 1)
    if clashes:
        raise LabelError(
            f"two series would be drawn as one ({', '.join(clashes)}): name each run with --label RUN_DIR=NAME"
        )
    return _styled(pairs, texts)


def _label(
    path: Path, manifest: Manifest, model: str, ambiguous: bool, pairs: list[tuple[Path, Manifest, str]],
    labels: dict[Path, str],
) -> str:  # fmt: skip
    given = labels.get(path.resolve())
    if given is not None:
        alone = sum(1 for p, _, _ in pairs if p == path) == 1
        return given if alone else f"{given}: {model}"
    if not ambiguous:
        return model
    same = [(p, m) for p, m, name in pairs if name == model]
    for key in IDENTITY_KEYS:  # the first that tells every run of this model apart
        ids = [m.identity(model, key) for _, m in same]
        if all(ids) and len(set(ids)) == len(ids):
            return f"{model} ({manifest.identity(model, key)})"
    options = _differing_options(model, [m for _, m in same])
    if options is not None:
        return f"{model} ({options[[p for p, _ in same].index(path)]})"
    return f"{model} ({short_run_names([p for p, _ in same])[[p for p, _ in same].index(path)]})"


def _differing_options(model: str, manifests: list[Manifest]) -> list[str] | None:
    """`beam_size=3` per run: the model options whose values differ between the runs, where they
    tell every run apart."""
    options = [dict((m.models.get(model) or {}).get("options") or {}) for m in manifests]
    keys = sorted({k for o in options for k in o if len({str(x.get(k)) for x in options}) > 1})
    texts = [", ".join(f"{k}={o.get(k)}" for k in keys) for o in options]
    return texts if keys and len(set(texts)) == len(texts) and max(map(len, texts)) <= 40 else None


def short_run_names(paths: list[Path], longest: int = 24) -> list[str]:
    """What tells run directories apart, short: their names less the prefix and suffix they share
    (`20261207-101500-abc` vs `20261207-113000-def` -> `101500-abc`, `113000-def`), cut in the middle
    to `longest` characters; `run 1`, `run 2`, ... where that would still be ambiguous. The full paths are in the
    report's README."""
    names = [p.name if len({q.name for q in paths}) == len(paths) else str(p) for p in paths]
    head = len(_common_prefix(names))
    tail = len(_common_prefix([n[head:][::-1] for n in names]))
    cut = [n[head : len(n) - tail].strip("-_ ./") or n for n in names]
    head_chars = (longest - 1) // 2  # the cut keeps both ends: that is where the names differ
    short = [c if len(c) <= longest else c[:head_chars] + "…" + c[len(c) - (longest - 1 - head_chars) :] for c in cut]
    if len(set(short)) == len(short) and all(short):
        return short
    return [f"run {i}" for i in range(1, len(paths) + 1)]


def _common_prefix(texts: list[str]) -> str:
    """The shared prefix, cut back to a separator so a word is never split."""
    import os

    prefix = os.path.commonprefix(texts)
    if all(len(t) == len(prefix) for t in texts):
        return ""
    cut = max(prefix.rfind(c) for c in "-_./ ")
    return prefix[: cut + 1] if cut >= 0 else ""


def _styled(pairs: list[tuple[Path, Manifest, str]], texts: list[str]) -> list[Series]:
    """A model keeps its fixed colour and marker; a second series of a model (or of one that shares
    its colour) takes the next free colour (never one a reader confuses with a colour in use) and
    marker, and each series its own line style, so no two series look alike."""
    used: dict[bool, tuple[list[int], set[int]]] = {True: ([], set()), False: ([], set())}
    out = []
    for i, ((path, _, model), text) in enumerate(zip(pairs, texts)):
        hollow = style.face(model) == "white"  # a variant drawn hollow may share its family's colour
        colours, markers = used[hollow]
        c = _colour(style.model_index(model), colours)
        k = _free(style.model_index(model) % len(style.MARKERS), markers, len(style.MARKERS))
        colour = style.PALETTE[c]
        dash = style.LINE_STYLES[i % len(style.LINE_STYLES)]
        out.append(Series(path, model, text, colour, style.MARKERS[k], "white" if hollow else colour, dash))
    return out


def _colour(preferred: int, used: list[int]) -> int:
    """The preferred colour if free and not confusable with one in use; else the first such colour
    in palette order (yellow, the faintest on white, last); past the palette, the least used."""
    size = len(style.PALETTE)
    order = [preferred, *(i for i in range(size) if i != 6), 6]
    for index in order:
        if index not in used and style.CONFUSABLE.get(index) not in used:
            used.append(index)
            return index
    for index in order:
        if index not in used:
            used.append(index)
            return index
    index = min(order, key=used.count)
    used.append(index)
    return index


def _free(preferred: int, used: set[int], size: int) -> int:
    """The preferred index if free, else the first free one in order."""
    for index in [preferred, *range(size)]:
        if index not in used:
            used.add(index)
            return index
    return preferred  # more series than markers: the colour and line still tell them apart
