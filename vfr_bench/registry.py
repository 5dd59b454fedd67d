"""One registry for every kind of plug-in: models, metrics, tasks, data loaders and ASR judges.

A registry maps names to entries. It fills itself on first use, in this order:
1. built-ins: `discover` imports the modules of a package, whose `register` calls add themselves;
2. outside packages: the entry-point group (`name = "package.module:Object"`), loaded on lookup;
3. plug-in files: every `*.py` named by `$VFR_BENCH_PLUGIN_PATH` (files or folders, separated by
   the path separator), imported once, so adding a model, metric or loader is one file.
Later sources may add names but never shadow earlier ones. An unknown name fails with the close
matches ("did you mean ...") and how to list the known ones.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import logging
import os
import pkgutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Generic, TypeVar

from vfr_bench.cli_command import cli_command

T = TypeVar("T")
PLUGIN_PATH_ENV = "VFR_BENCH_PLUGIN_PATH"
MAX_LISTED = 20  # an unknown name lists the known ones up to this many
log = logging.getLogger(__name__)


class UnknownName(KeyError):
    """A name no registry entry has; the message suggests close ones."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class PluginError(RuntimeError):
    """An entry that cannot be loaded (its module fails to import, or it is not what the registry holds)."""


@dataclass(frozen=True)
class Entry(Generic[T]):
    name: str
    target: str  # "module:attr" for a lazy entry, or a description of the object
    source: str = "built-in"
    summary: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    obj: Any = None  # the object itself once known (built-ins and plug-ins register objects)


class Registry(Generic[T]):
    """Name -> entry for one kind of plug-in. `check(entry, obj)` returns the object to hand out
    or raises PluginError; `discover(registry)` adds the built-ins."""

    def __init__(
        self,
        kind: str,
        *,
        discover: Callable[[Registry[T]], None] | None = None,
        entry_point_group: str | None = None,
        check: Callable[[Entry[T], Any], T] | None = None,
        list_command: str = "",
        renamed: Callable[[str], str | None] | None = None,
    ) -> None:
        self.kind = kind
        self._renamed = renamed  # an old name -> the line saying what it is called now
        self._discover = discover
        self.entry_point_group = entry_point_group
        self._check = check
        self._list_command = list_command
        self._entries: dict[str, Entry[T]] = {}
        self._loaded: dict[str, T] = {}
        self._filled = discover is None and entry_point_group is None
        self._filling = False

    # ---- filling --------------------------------------------------------------------------------

    def _fill(self) -> None:
        if self._filled or self._filling:
            return
        self._filling = True  # a built-in module that looks something up while registering must not recurse
        try:
            if self._discover is not None:
                self._discover(self)
                self._discover = None
            if self.entry_point_group:
                for ep in entry_points(group=self.entry_point_group):
                    if ep.name in self._entries:
                        log.debug("entry point %s=%s ignored: %r is built in", ep.name, ep.value, ep.name)
                        continue
                    self._entries[ep.name] = Entry(ep.name, ep.value, source=f"entry point ({ep.value})")
            load_plugins()
            self._filled = True
        finally:
            self._filling = False

    def fork(self) -> Registry[T]:
        """A registry with this one's built-ins that reads entry points and plug-ins afresh (tests,
        tools that change them); what is registered into the fork stays there."""
        if self._discover is not None and not self._filled:
            self._filling = True  # built-ins only: the fork reads entry points and plug-ins itself
            try:
                self._discover(self)
            finally:
                self._filling = False
            self._discover = None
        fork: Registry[T] = Registry(
            self.kind, entry_point_group=self.entry_point_group, check=self._check, list_command=self._list_command,
            renamed=self._renamed,
        )  # fmt: skip
        fork._entries = {name: e for name, e in self._entries.items() if e.source == "built-in"}
        fork._filled = False
        return fork

    def add(
        self, name: str, obj: Any = None, *, target: str = "", source: str = "built-in", summary: str = "", **meta: Any
    ) -> None:
        """Register `obj` (or, with `target="module:attr"`, a lazy entry) under `name`."""
        if source == "plug-in":
            self._fill()  # built-ins first, so a plug-in can never take a built-in's name
        if name in self._entries:
            raise PluginError(f"{self.kind} name {name!r} is already registered ({self._entries[name].source})")
        if obj is None and not target:
            raise PluginError(f"{self.kind} {name!r}: give the object or its 'module:attr' target")
        described = target or f"{getattr(obj, '__module__', '?')}:{getattr(obj, '__qualname__', name)}"
        self._entries[name] = Entry(name, described, source=source, summary=summary, meta=meta, obj=obj)

    def register(self, name: str, *, summary: str = "", **meta: Any) -> Callable[[Any], Any]:
        """Decorator form of `add`, for classes and functions; stack it to register several names."""

        def decorate(obj: Any) -> Any:
            self.add(name, obj, source=source_of(obj), summary=summary, **meta)
            return obj

        return decorate

    # ---- lookup ---------------------------------------------------------------------------------

    def names(self) -> list[str]:
        self._fill()
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        self._fill()
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def entry(self, name: str) -> Entry[T]:
        self._fill()
        if name in self._entries:
            return self._entries[name]
        said = self._renamed(name) if self._renamed else None
        if said:
            raise UnknownName(said)
        close = difflib.get_close_matches(name, list(self._entries), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        command = self._list_command.replace("vfr-bench", cli_command(), 1)  # as this shell can run it
        listing = f"; `{command}` shows them" if self._list_command else ""
        names = sorted(self._entries)
        known = f"known: {', '.join(names) or 'none'}" if len(names) <= MAX_LISTED else f"{len(names)} known"
        raise UnknownName(f"unknown {self.kind} {name!r}{hint} ({known}{listing})")

    def get(self, name: str) -> T:
        """The registered object, imported on first lookup for a lazy entry."""
        if name in self._loaded:
            return self._loaded[name]
        entry = self.entry(name)
        obj = entry.obj if entry.obj is not None else resolve_target(entry.target, f"{self.kind} {name!r}")
        value = self._check(entry, obj) if self._check else obj
        self._loaded[name] = value
        return value

    def replace(self, name: str, obj: T) -> T:
        """Put `obj` under an existing name, returning what was there (tests and experiments)."""
        previous = self.get(name)
        self._loaded[name] = obj
        return previous

    def items(self) -> list[tuple[str, T]]:
        """Every (name, object); loads lazy entries."""
        return [(name, self.get(name)) for name in self.names()]


def source_of(obj: Any) -> str:
    """'plug-in' for objects defined in a $VFR_BENCH_PLUGIN_PATH file, else 'built-in'."""
    return "plug-in" if getattr(obj, "__module__", "").startswith(PLUGIN_MODULE_PREFIX) else "built-in"


def resolve_target(target: str, what: str) -> Any:
    """The object a 'module:attr' target names (PluginError with `what` when it cannot be had)."""
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise PluginError(f"{what}: cannot import {module_name} ({err})") from err
    try:
        return getattr(module, attr) if attr else module
    except AttributeError:
        raise PluginError(f"{what}: {module_name} defines no {attr!r}") from None


def import_package(package: str) -> Callable[[Registry[Any]], None]:
    """A `discover` that imports every module of `package` (its `register` calls fill the registry)."""

    def discover(_: Registry[Any]) -> None:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
            importlib.import_module(info.name)

    return discover


# ---- plug-in files --------------------------------------------------------------------------------

PLUGIN_MODULE_PREFIX = "vfr_bench_plugin_"
_plugins_loaded: set[str] = set()


def plugin_files(value: str | None = None) -> list[Path]:
    """The `*.py` files named by $VFR_BENCH_PLUGIN_PATH (a file, or a folder's top-level files)."""
    value = os.environ.get(PLUGIN_PATH_ENV, "") if value is None else value
    files: list[Path] = []
    for item in value.split(os.pathsep):
        if not item:
            continue
        path = Path(item).expanduser()
        if path.is_dir():
            files.extend(sorted(p for p in path.glob("*.py") if not p.name.startswith("_")))
        elif path.suffix == ".py" and path.is_file():
            files.append(path)
        else:
            raise PluginError(f"{PLUGIN_PATH_ENV} names {item!r}, which is neither a .py file nor a folder")
    return files


def load_plugins() -> None:
    """Import each plug-in file once per process; a file that fails to import stops with its error."""
    for path in plugin_files():
        key = str(path.resolve())
        if key in _plugins_loaded:
            continue
        _plugins_loaded.add(key)
        name = PLUGIN_MODULE_PREFIX + path.stem.replace("-", "_")
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise PluginError(f"plug-in {path}: not a Python module")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # worker processes look classes up by module name
        try:
            spec.loader.exec_module(module)
        except Exception as err:
            del sys.modules[name]
            raise PluginError(f"plug-in {path} failed to import: {type(err).__name__}: {err}") from err
