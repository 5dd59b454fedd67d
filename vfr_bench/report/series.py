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
    run_names = [p.name for p, _ in same]
    detail = path.name if len(set(run_names)) == len(run_names) else str(path)
    return f"{model} ({detail})"


def _styled(pairs: list[tuple[Path, Manifest, str]], texts: list[str]) -> list[Series]:
    """A model keeps its fixed colour and marker; a second series of a model (or of one that shares
    its colour) takes the next free colour and marker, so no two series look alike."""
    used: dict[bool, tuple[set[int], set[int]]] = {True: (set(), set()), False: (set(), set())}
    out = []
    for (path, _, model), text in zip(pairs, texts):
        hollow = style.face(model) == "white"  # a variant drawn hollow may share its family's colour
        colours, markers = used[hollow]
        c = _free(style.model_index(model), colours, len(style.PALETTE))
        k = _free(style.model_index(model), markers, len(style.MARKERS))
        colour = style.PALETTE[c]
        out.append(Series(path, model, text, colour, style.MARKERS[k], "white" if hollow else colour))
    return out


def _free(preferred: int, used: set[int], size: int) -> int:
    """The preferred index if free, else the first free one in order (yellow, the palette's
    faintest on white, comes last)."""
    order = [preferred, *(i for i in range(size) if i != 6), 6] if size > 6 else [preferred, *range(size)]
    for index in order:
        if index not in used:
            used.add(index)
            return index
    return preferred  # more series than colours: reuse, the labels still tell them apart
