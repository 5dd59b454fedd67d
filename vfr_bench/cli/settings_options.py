"""Click options made from a settings model's fields (vfr_bench.run.settings.RunSettings,
vfr_bench.run.judge_choice.JudgeChoice): each field's name is its option (`--retry-errors`), its type
the option's type (a range where the field has a bound, a choice where it is a Literal, a registry's
names where it names one), its default and help the option's. Extras on a field: `flag` (another
spelling), `metavar`, `path` ("file" or "dir"), `registry` ("module:attribute" of a Registry).
A nested settings model (RunSettings.judges) gives its own fields as options of their own."""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from typing import Any, Literal, Union, get_args, get_origin

import click
from pydantic import BaseModel
from pydantic.fields import FieldInfo

F = Callable[..., Any]


class FiniteRange(click.FloatRange):
    """A number in a range that is also finite: click's FloatRange lets `inf` and `nan` through (nan
    compares false with every bound), and a latency of NaN seconds or an infinite GPU share is never a
    setting, so it is a usage error before anything is written."""

    name = "finite number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


class RegistryName(click.ParamType):
    """A name in a registry, looked up when the option is given (the registry loads on first use)."""

    name = "name"

    def __init__(self, registry: str):
        self.registry = registry

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from vfr_bench.registry import UnknownName

        module, _, attribute = self.registry.partition(":")
        try:
            getattr(importlib.import_module(module), attribute).get(value)
        except UnknownName as err:
            self.fail(str(err), param, ctx)
        return value


def settings_options(model: type[BaseModel]) -> Callable[[F], F]:
    """A decorator adding one option per field of `model` (nested models' fields flattened), in order."""

    def decorate(fn: F) -> F:
        for decls, attrs in reversed(options_of(model)):
            fn = click.option(*decls, **attrs)(fn)
        return fn

    return decorate


Option = tuple[list[str], dict[str, Any]]  # click.option's declarations and attributes


def options_of(model: type[BaseModel]) -> list[Option]:
    out: list[Option] = []
    for name, info in model.model_fields.items():
        nested = _nested_model(info)
        out.extend(options_of(nested) if nested else [option(name, info)])
    return out


def nested_fields(model: type[BaseModel]) -> dict[str, list[str]]:
    """{field holding a nested settings model: the option names that fill it}."""
    return {
        name: list(nested.model_fields) for name, info in model.model_fields.items() if (nested := _nested_model(info))
    }


def option(name: str, info: FieldInfo) -> Option:
    """The option for one field."""
    extra: dict[str, Any] = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    flag = extra.get("flag", "--" + name.replace("_", "-"))
    default = info.get_default(call_default_factory=True)
    kinds = _kinds(info.annotation)
    common: dict[str, Any] = {"help": info.description, "metavar": extra.get("metavar")}
    if kinds == [bool]:
        if default:
            return [f"{flag}/--no-{flag[2:]}", name], {"default": True, "show_default": True, **common}
        return [flag, name], {"is_flag": True, **common}
    if get_origin(kinds[0]) in (list, dict):  # repeatable: given as text, read by the settings model
        return [flag, name], {"multiple": True, **common}
    shown = default is not None and default != ""
    return [flag, name], {"type": _type(kinds, info, extra), "default": default, "show_default": shown, **common}


def _type(kinds: list[Any], info: FieldInfo, extra: dict[str, Any]) -> Any:
    kind = kinds[0]
    if get_origin(kind) is Literal:
        return click.Choice([str(v) for v in get_args(kind)])
    bounds = {b: getattr(m, b) for m in info.metadata for b in ("ge", "le") if getattr(m, b, None) is not None}
    if kind is int:
        return click.IntRange(min=bounds.get("ge"), max=bounds.get("le")) if bounds else int
    if kind is float:  # finite: click's FloatRange lets nan and inf through (`--gpus-per-worker inf`)
        return FiniteRange(min=bounds.get("ge"), max=bounds.get("le"))
    if "registry" in extra:
        return RegistryName(extra["registry"])
    if "path" in extra:
        return click.Path(dir_okay=extra["path"] == "dir", file_okay=extra["path"] == "file")
    if kind is str:
        return str
    raise TypeError(f"no option type for {kind!r}")


def _kinds(annotation: Any) -> list[Any]:
    """The annotation's types, None left out."""
    if get_origin(annotation) is Union or type(annotation).__name__ == "UnionType":
        return [a for a in get_args(annotation) if a is not type(None)]
    return [annotation]


def _nested_model(info: FieldInfo) -> type[BaseModel] | None:
    kind = _kinds(info.annotation)[0]
    return kind if isinstance(kind, type) and issubclass(kind, BaseModel) else None
