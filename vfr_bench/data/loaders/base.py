"""Data loaders: what a task's `data:` (or `--data`) names, turned into a Dataset.

`data:` is a string, `builtin:NAME` or a manifest path, or a mapping with a `loader` and that
loader's own keys, checked by the loader's `Spec` (a pydantic model that refuses unknown keys):

    data: builtin:read-speech-en
    data: my/data.jsonl                                    # a JSONL manifest
    data: {loader: huggingface, name: openslr/librispeech_asr, config: clean, split: test,
           fields: {id: id, audio: audio, text: text}}     # or path: a Dataset.save_to_disk folder
    data: {loader: librispeech, path: $LIBRISPEECH_ROOT/test-clean}
    data: {loader: fleurs, languages: [de_de, es_419, it_it, en_us], split: test}
    data: {loader: builtin, name: multilingual-espeak, languages: [de, es]}

A loader is one class in one file: subclass `Loader`, give it a `Spec`, and register it with
`@register_loader("name")` (plug-in files and the entry-point group `vfr_bench.loaders` work too).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from typing import Any, ClassVar

from vfr_bench.data.manifest import ManifestError
from vfr_bench.data.sample import Dataset
from vfr_bench.registry import Entry, PluginError, Registry, UnknownName, import_package
from vfr_bench.validation import ConfigError, Strict, validate


class LoaderSpec(Strict):
    """A loader's keys; each loader subclasses it with its own fields."""

    loader: str


class Loader(ABC):
    """Turns a spec into a Dataset, and says, without downloading anything, whether it can."""

    Spec: ClassVar[type[LoaderSpec]] = LoaderSpec

    @abstractmethod
    def load(self, spec: Any) -> Dataset:
        """The data set (read, checked and hashed)."""

    @abstractmethod
    def availability(self, spec: Any) -> tuple[bool, str]:
        """(can be had on this machine, how or what is missing)."""

    def known_size(self, spec: Any) -> tuple[int | None, list[str]]:
        """Samples and languages where known without loading or synthesising the data."""
        return None, ["en"]

    def short(self, spec: Any) -> str:
        """The spec as a person reads it."""
        fields = spec.model_dump(exclude={"loader"}, exclude_none=True)
        where = fields.get("name") or fields.get("path") or ",".join(fields.get("languages", []))
        config = f"/{fields['config']}" if fields.get("config") else ""
        split = f":{fields['split']}" if fields.get("split") else ""
        return f"{spec.loader}:{where}{config}{split}"


def _is_loader(entry: Entry[Loader], obj: Any) -> Loader:
    if not (isinstance(obj, type) and issubclass(obj, Loader)):
        raise PluginError(f"data loader {entry.name!r}: {entry.target} is not a vfr_bench Loader subclass")
    return obj()


LOADERS: Registry[Loader] = Registry(
    "data loader", discover=import_package("vfr_bench.data.loaders"), entry_point_group="vfr_bench.loaders",
    check=_is_loader,
)  # fmt: skip


def register_loader(name: str, *, summary: str = ""):
    """Class decorator: make a Loader known under `name` (the `loader:` key of a data spec)."""
    return LOADERS.register(name, summary=summary)


def parse_data_spec(raw: Any, where: str = "data", prefix: tuple[str | int, ...] = ("data",)) -> LoaderSpec:
    """A data spec from a task file or the command line, checked against its loader's keys."""
    if isinstance(raw, LoaderSpec):
        return raw
    if isinstance(raw, str):
        if raw.startswith("builtin:"):
            raw = {"loader": "builtin", "name": raw.split(":", 1)[1]}
        else:
            raw = {"loader": "manifest", "path": raw.split(":", 1)[1] if raw.startswith("manifest:") else raw}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: {'.'.join(map(str, prefix))}: a string (builtin:NAME or a manifest path) "
                          f"or a mapping with a 'loader'")  # fmt: skip
    name = raw.get("loader")
    try:
        loader = LOADERS.get(str(name))
    except UnknownName as err:
        raise ConfigError(f"{where}: {'.'.join(map(str, (*prefix, 'loader')))}: {err}") from None
    return validate(loader.Spec, raw, where, prefix)


def loader_for(spec: Any) -> tuple[Loader, LoaderSpec]:
    parsed = parse_data_spec(spec)
    return LOADERS.get(parsed.loader), parsed


def load_dataset(spec: Any) -> Dataset:
    """A data set from a data spec (raw or parsed)."""
    loader, parsed = loader_for(spec)
    return loader.load(parsed)


def availability(spec: Any) -> tuple[bool, str]:
    loader, parsed = loader_for(spec)
    return loader.availability(parsed)


def known_size(spec: Any) -> tuple[int | None, list[str]]:
    loader, parsed = loader_for(spec)
    return loader.known_size(parsed)


def short_spec(spec: Any) -> str:
    loader, parsed = loader_for(spec)
    return loader.short(parsed)


def describe_spec(spec: Any) -> str:
    """A data spec as one stable string (cache keys)."""
    return json.dumps(parse_data_spec(spec).model_dump(), sort_keys=True)


__all__ = ["LOADERS", "Loader", "LoaderSpec", "ManifestError", "register_loader"]
