"""Noise conditions a suite is run under: a grid of kinds x SNRs (a task's `noise:` or `--noise`),
each condition its own task, and a data set mixed with one condition."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, replace
from typing import Any, Literal

from pydantic import Field

from vfr_bench.data.manifest import ManifestError
from vfr_bench.data.noise import NoiseSpec, folder_sources
from vfr_bench.data.sample import Dataset
from vfr_bench.validation import ConfigError, Strict, validate

log = logging.getLogger(__name__)

NoiseKind = Literal["white", "pink", "babble", "folder"]
DEFAULT_KINDS: tuple[NoiseKind, ...] = ("white",)
DEFAULT_SNRS = (20.0, 10.0, 5.0, 0.0)


class NoiseGrid(Strict):
    """{kinds: [white, pink, babble], snr_db: [20, 10, 5, 0], seed: 0, folder: DIR}"""

    kinds: list[NoiseKind] = Field(default_factory=lambda: list(DEFAULT_KINDS))
    snr_db: list[float] = Field(default_factory=lambda: list(DEFAULT_SNRS))
    seed: int = 0
    folder: str | None = None  # noise files for the 'folder' kind (e.g. MUSAN's noise/)


@dataclass(frozen=True)
class NoiseCondition:
    kind: str
    snr_db: float
    seed: int = 0
    folder: str | None = None

    def to_json(self) -> dict[str, Any]:
        """As recorded in the manifest and hashed into the data's content hash (keep it stable)."""
        return {
            "kind": self.kind,
            "snr_db": self.snr_db,
            "seed": self.seed,
            **({"folder": self.folder} if self.folder else {}),
        }

    @property
    def label(self) -> str:
        return f"{self.kind}@{self.snr_db:g}dB"


def conditions(grid: NoiseGrid) -> list[NoiseCondition]:
    """The grid as single conditions, in grid order."""
    kinds = grid.kinds or list(DEFAULT_KINDS)
    snrs = grid.snr_db or list(DEFAULT_SNRS)
    return [NoiseCondition(k, float(x), grid.seed, grid.folder if k == "folder" else None) for k in kinds for x in snrs]


def parse_noise_option(text: str, folder: str | None = None, seed: int = 0) -> NoiseGrid:
    """`white,pink,babble@20,10,5,0` (kinds @ SNRs in dB) -> a noise grid."""
    kinds, _, snrs = text.partition("@")
    try:
        snr_db = [float(x) for x in snrs.split(",")] if snrs else list(DEFAULT_SNRS)
    except ValueError:
        raise ManifestError(f"--noise {text!r}: write KINDS@SNRS, e.g. white,babble@20,10,5,0") from None
    raw = {
        "kinds": [k.strip() for k in kinds.split(",") if k.strip()],
        "snr_db": snr_db,
        "seed": seed,
        "folder": folder,
    }
    try:
        return validate(NoiseGrid, raw, f"--noise {text!r}")
    except ConfigError as err:
        raise ManifestError(str(err)) from None


def with_noise(dataset: Dataset, condition: NoiseCondition) -> Dataset:
    """Every sample mixed with one noise condition; the condition joins the content hash.

    Babble for a sample is made from the other utterances of the same data set."""
    if condition.kind == "folder" and not condition.folder:
        raise ManifestError("noise kind 'folder' needs a folder (e.g. MUSAN's noise folder): --noise-folder DIR")
    if condition.kind == "folder":
        sources = folder_sources(condition.folder or "")
    elif condition.kind == "babble":  # one tuple for all samples; each leaves its own file out when mixing
        # only utterances that are there: a missing one fails its own sample, never another's noise
        sources = tuple(str(o.audio) for o in dataset.samples if o.audio is not None and o.audio.is_file())
        missing = sum(o.audio is not None for o in dataset.samples) - len(sources)
        if missing:
            log.warning("babble for %s: %d utterance(s) are missing and talk in no one's noise", dataset.name, missing)
    else:
        sources = ()
    samples = []
    for s in dataset.samples:
        own = str(s.audio) if condition.kind == "babble" and s.audio is not None else None
        spec = NoiseSpec(condition.kind, condition.snr_db, condition.seed, sources, exclude=own)
        samples.append(
            replace(s, noise=spec, extra={**s.extra, "noise_kind": condition.kind, "snr_db": condition.snr_db})
        )
    digest = dataset.content_hash + "|" + json.dumps(condition.to_json(), sort_keys=True)
    return Dataset(
        name=f"{dataset.name}@{condition.label}", source=dataset.source, revision=dataset.revision,
        content_hash="sha256:" + hashlib.sha256(digest.encode()).hexdigest(), samples=tuple(samples),
        provenance={**dataset.provenance, "noise": condition.to_json()},
    )  # fmt: skip
