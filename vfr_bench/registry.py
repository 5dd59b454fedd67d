"""Model registry: names -> lazily imported adapter classes, plus outside packages' entry points.

Built-in entries are `"module:Class"` strings with preset options, so listing models imports
nothing heavy. Outside packages register adapters under the entry-point group
`vfr_bench.adapters` (name = "package.module:AdapterClass").
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from vfr_bench.protocol import Adapter, AdapterUnavailable

ENTRY_POINT_GROUP = "vfr_bench.adapters"


@dataclass(frozen=True)
class ModelEntry:
    name: str
    target: str  # "module:Class"
    preset: dict[str, Any] = field(default_factory=dict)  # options fixed by this name
    summary: str = ""
    source: str = "built-in"


class UnknownModel(KeyError):
    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


_REFERENCE = "vfr_bench.baselines.reference.adapter:ReferenceAdapter"

BUILTIN_MODELS: tuple[ModelEntry, ...] = (
    ModelEntry(
        "reference",
        _REFERENCE,
        {"strategy": "dynamic"},
        "Whisper tiny.en with cosine-similarity frame merging (same as reference-dynamic)",
    ),
    ModelEntry(
        "reference-dynamic",
        _REFERENCE,
        {"strategy": "dynamic"},
        "Whisper + merging at the lowest-similarity transitions to the requested rate",
    ),
    ModelEntry(
        "reference-uniform", _REFERENCE, {"strategy": "uniform"}, "Whisper + fixed patching (the patching baseline)"
    ),
    ModelEntry(
        "reference-threshold",
        _REFERENCE,
        {"strategy": "threshold"},
        "Whisper + cut where adjacent similarity falls below a threshold (rate is an outcome)",
    ),
    ModelEntry(
        "flexislm",
        "vfr_bench.baselines.flexislm:FlexiSLMAdapter",
        {},
        "FlexiSLM (official inference code): controllable 12.5-4 Hz in and out, s2t and s2s",
    ),
    ModelEntry(
        "kimi-audio",
        "vfr_bench.baselines.kimi_audio:KimiAudioAdapter",
        {},
        "Kimi-Audio (its own inference code, CUDA): 12.5 Hz audio tokens in and out; s2t and s2s",
    ),
    ModelEntry(
        "mimo-audio",
        "vfr_bench.baselines.mimo_audio:MimoAudioAdapter",
        {},
        "MiMo-Audio (its own inference code, CUDA): patches of 4 x 25 Hz frames = 6.25 Hz; s2t, s2s, tts",
    ),
    ModelEntry(
        "fun-audio-chat",
        "vfr_bench.baselines.fun_audio_chat:FunAudioChatAdapter",
        {},
        "Fun-Audio-Chat (its own model code): 5 Hz backbone, 25 Hz speech tokens; s2t and s2s",
    ),
    ModelEntry(
        "qwen2.5-omni",
        "vfr_bench.baselines.qwen25_omni:Qwen25OmniAdapter",
        {},
        "Qwen2.5-Omni (transformers): 25 Hz audio in, 50 Hz talker codes out; s2t and s2s",
    ),
)


class ModelRegistry:
    """Name -> adapter entry. Built-ins first; entry points may add names but not shadow them."""

    def __init__(self, entries: tuple[ModelEntry, ...] = BUILTIN_MODELS, use_entry_points: bool = True):
        self._entries: dict[str, ModelEntry] = {e.name: e for e in entries}
        if use_entry_points:
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                if ep.name not in self._entries:
                    self._entries[ep.name] = ModelEntry(ep.name, ep.value, {}, "", f"entry point ({ep.value})")

    def register(self, entry: ModelEntry) -> None:
        if entry.name in self._entries:
            raise ValueError(f"model name {entry.name!r} is already registered")
        self._entries[entry.name] = entry

    def names(self) -> list[str]:
        return sorted(self._entries)

    def entry(self, name: str) -> ModelEntry:
        if name in self._entries:
            return self._entries[name]
        close = difflib.get_close_matches(name, list(self._entries), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownModel(
            f"unknown model {name!r}{hint} (known: {', '.join(self.names())}; `vfr-bench list models` shows them)"
        )

    def adapter_class(self, name: str) -> type[Adapter]:
        entry = self.entry(name)
        module_name, _, attr = entry.target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as err:
            raise AdapterUnavailable(f"model {name!r}: cannot import {module_name} ({err})") from err
        try:
            cls = getattr(module, attr)
        except AttributeError:
            raise AdapterUnavailable(f"model {name!r}: {module_name} defines no {attr!r}") from None
        if not (isinstance(cls, type) and issubclass(cls, Adapter)):
            raise AdapterUnavailable(f"model {name!r}: {entry.target} is not a vfr_bench Adapter subclass")
        return cls

    def create(self, name: str, device: str = "cpu", options: dict[str, Any] | None = None) -> Adapter:
        """Instantiate (not load) the adapter; user options may not override a name's preset."""
        entry = self.entry(name)
        options = dict(options or {})
        clash = sorted(k for k in options if k in entry.preset and str(options[k]) != str(entry.preset[k]))
        if clash:
            raise ValueError(
                f"model {name!r} fixes {', '.join(f'{k}={entry.preset[k]}' for k in clash)}; "
                "choose another model name instead of overriding it"
            )
        adapter = self.adapter_class(name)(device=device, **{**options, **entry.preset})
        adapter.name = name  # the registered name, which is what results are keyed by
        return adapter
