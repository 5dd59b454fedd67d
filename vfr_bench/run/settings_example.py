"""A run config file with every key, its default and its help, made from the settings model itself, so the
example a user copies can never name a key `vfr-bench run --config` refuses or a default it does not have."""

from __future__ import annotations

import textwrap
from typing import Any

import yaml
from pydantic import BaseModel

WIDTH = 110  # comment lines are wrapped here: the file stays readable in an editor


def example_yaml(model: type[BaseModel] | None = None) -> str:
    """Every key of `model` (default: RunSettings) at its default, each preceded by its help as a comment;
    a nested settings model (judges:) is written as a block of its own keys."""
    from vfr_bench.run.settings import RunSettings

    return "".join(_lines(model or RunSettings, indent=0))


def _lines(model: type[BaseModel], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    defaults = model().model_dump(mode="json")
    for name, field in model.model_fields.items():
        help_ = field.description or ""
        out += [f"{pad}# {line}\n" for line in textwrap.wrap(help_, WIDTH - indent - 2)]
        nested = field.annotation if isinstance(field.annotation, type) else None
        if nested is not None and issubclass(nested, BaseModel):
            out.append(f"{pad}{name}:\n")
            out += _lines(nested, indent + 2)
        else:
            out.append(f"{pad}{_dump(name, defaults[name])}")
    return out


def _dump(name: str, value: Any) -> str:
    """One `key: value` line in YAML's flow style (lists and maps on one line)."""
    return yaml.safe_dump({name: value}, default_flow_style=True, width=10**6)[1:-2] + "\n"
