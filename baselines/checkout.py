"""Import a model's inference code from a clone of its repository.

MiMo-Audio and Fun-Audio-Chat are not packages: their examples run from the repository root and
import `src.mimo_audio...` or `funaudiochat...` / `utils...` from there. The adapter takes the
clone's folder as an option (or an environment variable) and puts it on `sys.path`.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from types import ModuleType

from vfr_bench.protocol import AdapterUnavailable


def checkout_folder(option: str | None, env_var: str, marker: str | tuple[str, ...], install: str) -> Path | None:
    """The clone named by the option or `env_var`, checked for a `marker` file (any of several, for
    layouts that moved between versions); None when neither is set."""
    value = option or os.environ.get(env_var)
    if not value:
        return None
    folder = Path(value).expanduser().resolve()
    markers = (marker,) if isinstance(marker, str) else marker
    if not any((folder / m).is_file() for m in markers):
        raise AdapterUnavailable(
            f"{folder} is not a clone of the model's repository (no {' or '.join(markers)}). {install}"
        )
    return folder


def put_on_path(folder: Path | None) -> None:
    """The clone first on sys.path, once."""
    if folder is not None and str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


def import_from_checkout(folder: Path | None, modules: tuple[str, ...], install: str) -> list[ModuleType]:
    """Import `modules` with `folder` first on sys.path; a missing one raises AdapterUnavailable."""
    put_on_path(folder)
    loaded = []
    for name in modules:
        try:
            loaded.append(importlib.import_module(name))
        except ImportError as err:
            where = f" from {folder}" if folder else " (no clone given: --model-arg repo=PATH)"
            raise AdapterUnavailable(f"{install} (importing {name}{where} failed: {err})") from None
    return loaded


def attribute(module: ModuleType, name: str, install: str):
    """A class or function the adapter needs from the model code; an older or other clone lacks it."""
    try:
        return getattr(module, name)
    except AttributeError:
        where = getattr(module, "__file__", module.__name__)
        raise AdapterUnavailable(f"{where} has no {name}: not the version this adapter wraps. {install}") from None


def required_folder(path: str, what: str, download: str) -> str:
    """A checkpoint folder that must exist before the model code is asked to load it."""
    if not Path(path).expanduser().is_dir():
        raise AdapterUnavailable(f"{what} not found at {path}: {download}")
    return str(Path(path).expanduser())
