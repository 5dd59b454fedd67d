"""Hugging Face `datasets` loader: a hub data set by name, config and split, or one saved on disk.

Audio is read undecoded (the bytes the data set stores) and written once into the cache, so the
one vfr-bench audio loader decodes it like any file; nothing here depends on the datasets
library's own audio decoding. Columns are mapped to sample fields by the task's `fields`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Any, Literal
from unittest import mock

from pydantic import model_validator

from vfr_bench.data.loaders.base import Loader, LoaderSpec, register_loader
from vfr_bench.data.loaders.hub_reach import hub_endpoint, hub_unreachable
from vfr_bench.data.manifest import ManifestError, content_hash
from vfr_bench.data.sample import Dataset, Sample
from vfr_bench.validation import Strict

DEFAULT_FIELDS = {"id": "id", "audio": "audio", "text": "text", "question": None, "answers": None, "language": None}


def _datasets():
    try:
        import datasets
    except ImportError:
        raise ManifestError("this suite loads a Hugging Face data set: pip install 'vfr-bench[data]'") from None
    return datasets


def load_huggingface(
    name: str | None = None,
    config: str | None = None,
    split: str = "test",
    revision: str | None = None,
    path: str | None = None,
    fields: dict[str, Any] | None = None,
    language: str | None = None,
    cache_dir: Path | None = None,
) -> Dataset:
    """`name` (+ config, split, revision) from the hub, or `path` from `Dataset.save_to_disk`."""
    datasets = _datasets()
    fields = {**DEFAULT_FIELDS, **(fields or {})}
    where = path or f"{name}{'/' + config if config else ''}:{split}"
    ds = _open(datasets, name, config, split, revision, path, where)
    missing = [f"{k} -> {v!r}" for k, v in fields.items() if v and v not in ds.column_names]
    if missing:
        raise ManifestError(f"data set {where} lacks the columns {', '.join(missing)} (it has {ds.column_names})")
    audio_column = fields["audio"]
    ds = ds.cast_column(audio_column, datasets.Audio(decode=False))
    from vfr_bench.data.builtin_speech import cache_root

    folder = (cache_dir or cache_root() / "hf") / hashlib.sha1(where.encode()).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    samples = []
    for i, row in enumerate(ds):
        sid = str(row[fields["id"]]) if fields["id"] and fields["id"] in row else f"{i:06d}"
        samples.append(
            Sample(
                id=sid,
                audio=_materialise(row[audio_column], folder, sid),
                text=_text(row, fields["text"]),
                question=_text(row, fields["question"]),
                answers=_answers(row, fields["answers"]),
                language=_text(row, fields["language"]) or language or "en",
            )
        )
    revision_seen = getattr(ds, "_fingerprint", None) or "unknown"
    return Dataset(
        name=where,
        source=f"huggingface:{path or name}",
        revision=revision or str(revision_seen),
        content_hash=content_hash(samples),
        samples=tuple(samples),
        provenance={"config": config, "split": split, "fields": fields},
    )


def _open(
    datasets: Any, name: str | None, config: str | None, split: str, revision: str | None, path: str | None, where: str
) -> Any:
    """The split, from `path` (Dataset.save_to_disk) or the hub; why it cannot be had as a ManifestError."""
    try:
        if path:
            ds = datasets.load_from_disk(str(Path(path).expanduser()))
            if isinstance(ds, datasets.DatasetDict):
                ds = ds[split]
            return ds
        return _load_from_hub(datasets, name, config, split, revision, where)
    except FileNotFoundError as err:
        raise ManifestError(f"data set {where} not found ({err})") from None
    except ManifestError:
        raise
    except Exception as err:  # the hub unreachable, a wrong config: say which and how to get it
        raise ManifestError(
            f"cannot load the Hugging Face data set {where}: {type(err).__name__}: {err}. It needs "
            "the hub (or HF_DATASETS_OFFLINE=1 with it in the local cache), or give a local copy "
            "with `path:` (saved with Dataset.save_to_disk)"
        ) from None


def _load_from_hub(datasets: Any, name: str | None, config: str | None, split: str, revision: str | None, where: str):
    """The data set from the hub; where the hub does not answer, from the local cache at once (offline
    mode, as HF_DATASETS_OFFLINE=1 would), instead of after 23 s of retries, or why it cannot be had."""
    if datasets.config.HF_HUB_OFFLINE:
        return datasets.load_dataset(name, config, split=split, revision=revision)
    endpoint = hub_endpoint()
    why = hub_unreachable(endpoint)
    if why is None:
        return datasets.load_dataset(name, config, split=split, revision=revision)
    with mock.patch.object(datasets.config, "HF_HUB_OFFLINE", True):
        try:
            return datasets.load_dataset(name, config, split=split, revision=revision)
        except Exception as err:
            raise ManifestError(
                f"cannot load the Hugging Face data set {where}: the hub at {endpoint} cannot be reached ({why}) "
                f"and it could not be loaded from the local cache in offline mode ({type(err).__name__}: {err}). "
                "Connect to the hub, "
                "or give a local copy with `path:` (saved with Dataset.save_to_disk)"
            ) from None


def _text(row: dict, column: str | None) -> str | None:
    if not column:
        return None
    value = row.get(column)
    return None if value is None else str(value)


def _answers(row: dict, column: str | None) -> tuple[str, ...]:
    if not column or row.get(column) is None:
        return ()
    value = row[column]
    if isinstance(value, str):
        try:  # some sets store a JSON list in a string
            parsed = json.loads(value)
            value = parsed if isinstance(parsed, list) else [value]
        except json.JSONDecodeError:
            value = [value]
    return tuple(str(v) for v in value)


def _materialise(audio: dict, folder: Path, sid: str) -> Path:
    """The stored bytes as a file (kept as they are: FLAC stays FLAC), or the file the set points to."""
    if audio.get("bytes"):
        suffix = Path(audio.get("path") or "x.wav").suffix or ".wav"
        target = folder / f"{hashlib.sha1(sid.encode()).hexdigest()[:12]}{suffix}"
        if not target.is_file():
            target.write_bytes(audio["bytes"])
        return target
    if audio.get("path"):
        return Path(audio["path"])
    raise ManifestError(f"sample {sid}: the audio column holds neither bytes nor a path")


class FieldsSpec(Strict):
    """Which column holds each sample field (None: the data set has none; ids then count rows)."""

    id: str | None = "id"
    audio: str = "audio"
    text: str | None = "text"
    question: str | None = None
    answers: str | None = None
    language: str | None = None


class HuggingFaceSpec(LoaderSpec):
    loader: Literal["huggingface"] = "huggingface"
    name: str | None = None
    config: str | None = None
    split: str = "test"
    revision: str | None = None
    path: str | None = None
    fields: FieldsSpec = FieldsSpec()
    language: str | None = None

    @model_validator(mode="after")
    def _name_or_path(self) -> HuggingFaceSpec:
        if not self.name and not self.path:
            raise ValueError("give the data set's hub `name` or the `path` of a copy saved with save_to_disk")
        return self


@register_loader("huggingface", summary="a Hugging Face data set by name, config and split, or saved on disk")
class HuggingFaceLoader(Loader):
    Spec = HuggingFaceSpec

    def load(self, spec: HuggingFaceSpec) -> Dataset:
        return load_huggingface(
            name=spec.name, config=spec.config, split=spec.split, revision=spec.revision, path=spec.path,
            fields=spec.fields.model_dump(), language=spec.language,
        )  # fmt: skip

    def availability(self, spec: HuggingFaceSpec) -> tuple[bool, str]:
        return hub_availability(spec.path)


def hub_availability(path: str | None) -> tuple[bool, str]:
    """Whether a hub data set (or its saved copy) can be had here, without downloading to find out."""
    if path:
        return Path(path).expanduser().exists(), f"local copy {path}"
    if importlib.util.find_spec("datasets") is None:
        return False, "needs pip install 'vfr-bench[data]' and the hub"
    return False, "needs the Hugging Face hub (or its local cache with HF_DATASETS_OFFLINE=1)"
