"""Configuration checked where it enters: task files, gate rules, the run config file, data specs.

Each is a pydantic model that refuses unknown keys. `validate` turns pydantic's errors into one
message per problem that names the file, the key path and what was expected, so nothing deeper
ever sees a misspelt key as a raw TypeError.
"""

from __future__ import annotations

import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

M = TypeVar("M", bound=BaseModel)
MAX_SHOWN = 8


class ConfigError(ValueError):
    """A configuration with a wrong key or value; the message names the file, the key and what was expected."""


class Strict(BaseModel):
    """Base of every configuration model: unknown keys are errors, values are not silently reinterpreted."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def not_a_boolean(value: Any) -> Any:
    """A before-validator of number fields: pydantic reads `true` as 1, a user never means it so."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return value


def validate(model: type[M], raw: Any, where: str, prefix: tuple[str | int, ...] = ()) -> M:
    """`raw` as a `model`, or ConfigError naming `where` (a file) and each bad key path under `prefix`."""
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(describe(err, model, where, prefix)) from None


def describe(err: ValidationError, model: type[BaseModel], where: str, prefix: tuple[str | int, ...] = ()) -> str:
    lines = []
    for problem in err.errors()[:MAX_SHOWN]:
        loc = tuple(p for p in problem["loc"] if not _is_union_tag(p))
        path = ".".join(str(p) for p in (*prefix, *loc)) or "(top level)"
        if problem["type"] == "extra_forbidden":
            allowed = allowed_keys(model, loc[:-1])
            text = "unknown key" + (f" (allowed: {', '.join(allowed)})" if allowed else "")
        elif problem["type"] == "missing":
            text = "missing required key"
        else:
            message = problem["msg"].removeprefix("Value error, ")
            text = f"{message} (got {_short(problem.get('input'))})"
        lines.append(f"{path}: {text}")
    more = len(err.errors()) - MAX_SHOWN
    if more > 0:
        lines.append(f"... and {more} more")
    return f"{where}: " + "; ".join(lines)


def allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys the model accepts at `loc` (walking fields, lists, dicts and optional values)."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    current = _model_in(current)
    return sorted(f.alias or name for name, f in current.model_fields.items()) if current is not None else []


def _step(annotation: Any, part: Any) -> Any:
    found = _model_in(annotation)
    if found is not None and isinstance(part, str) and part in found.model_fields:
        return found.model_fields[part].annotation
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (list, tuple) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            step = _step(arg, part)
            if step is not None:
                return step
    return None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
    return None


def _is_union_tag(part: Any) -> bool:
    """pydantic puts the union member it tried into the location (e.g. 'str', 'list[str]')."""
    return isinstance(part, str) and ("[" in part or part in ("str", "int", "float", "bool", "dict", "list"))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
