"""The model registry: names -> adapter classes, and the policy on loading them.

Built-ins are the adapters in `vfr_bench.baselines`, each registered by its module with
`@register_model("name", preset={...})` (a preset fixes options for that name, as the training-free
strategies do). Outside packages register under the entry-point group `vfr_bench.adapters`
(name = "package.module:AdapterClass"), plug-in files with `@register_model`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vfr_bench.protocol import Adapter, AdapterUnavailable
from vfr_bench.registry import Entry, PluginError, Registry, UnknownName, import_package
from vfr_bench.renamed import renamed_model

ENTRY_POINT_GROUP = "vfr_bench.adapters"
UnknownModel = UnknownName


def _is_adapter(entry: Entry[type[Adapter]], obj: Any) -> type[Adapter]:
    if not (isinstance(obj, type) and issubclass(obj, Adapter)):
        raise PluginError(f"model {entry.name!r}: {entry.target} is not a vfr_bench Adapter subclass")
    return obj


MODELS: Registry[type[Adapter]] = Registry(
    "model", discover=import_package("vfr_bench.baselines"), entry_point_group=ENTRY_POINT_GROUP,
    check=_is_adapter, list_command="vfr-bench list models", renamed=renamed_model,
)  # fmt: skip


def model_registry(builtins: bool = True) -> Registry[type[Adapter]]:
    """A fresh registry: the built-ins with entry points and plug-ins read anew, or empty (tests, benchmarks)."""
    if builtins:
        return MODELS.fork()
    return Registry("model", check=_is_adapter, list_command="vfr-bench list models")


def register_model(
    name: str, *, summary: str = "", preset: dict[str, Any] | None = None
) -> Callable[[type[Adapter]], type[Adapter]]:
    """Class decorator: make an Adapter known under `name`; stack it to give one class several names."""
    return MODELS.register(name, summary=summary, preset=dict(preset or {}))


class ModelRegistry:
    """Lookups over a model registry (the built-in one by default)."""

    def __init__(self, registry: Registry[type[Adapter]] | None = None):
        self.registry = registry if registry is not None else MODELS

    def names(self) -> list[str]:
        return self.registry.names()

    def entry(self, name: str) -> Entry[type[Adapter]]:
        return self.registry.entry(name)

    def adapter_class(self, name: str) -> type[Adapter]:
        try:
            return self.registry.get(name)
        except PluginError as err:
            raise AdapterUnavailable(str(err)) from None

    def create(self, name: str, device: str = "cpu", options: dict[str, Any] | None = None) -> Adapter:
        """Instantiate (not load) the adapter; user options may not override a name's preset."""
        preset: dict[str, Any] = self.entry(name).meta.get("preset", {})
        options = dict(options or {})
        clash = sorted(k for k in options if k in preset and str(options[k]) != str(preset[k]))
        if clash:
            raise ValueError(
                f"model {name!r} fixes {', '.join(f'{k}={preset[k]}' for k in clash)}; "
                "choose another model name instead of overriding it"
            )
        adapter = self.adapter_class(name)(device=device, **{**options, **preset})
        adapter.name = name  # the registered name, which is what results are keyed by
        return adapter

    def allow_remote_code(self, options: dict[str, dict[str, Any]]) -> None:
        """`--trust-remote-code`: set the option on the adapters that declare one (their model code runs
        a checkpoint's own Python files); an explicit trust_remote_code model option still wins."""
        for model, opts in options.items():
            try:
                declared = "trust_remote_code" in self.adapter_class(model).options
            except (UnknownName, AdapterUnavailable):
                continue  # the run reports these models with their own message
            if declared:
                opts.setdefault("trust_remote_code", "true")
