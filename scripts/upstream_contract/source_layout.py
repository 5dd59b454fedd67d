"""An upstream class's interface read from its source file, without importing it.

An upstream module may not import where the check runs (its model code, CUDA-only or hub-bound
imports, a dependency that is not installed); its signatures can still be read. `read_classes` parses
the file with `ast` and gives, for each top-level class, the signature of each method (as
`inspect.Signature`, defaults kept as their source text), its annotated class attributes (a
dataclass's fields) and the string constants in its body. `stand_in` wraps a signature in a function
that `inspect.signature` reads as the method's own, so the adapter's code that inspects a real method
(flexislm_layout.call_layout, upstream_check.signature_failures) reads the source's instead.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

P = inspect.Parameter


@dataclass(frozen=True)
class SourceClass:
    """One class as its source declares it."""

    name: str
    methods: dict[str, inspect.Signature]
    fields: tuple[str, ...]  # annotated class attributes, in order (a dataclass's fields)
    strings: frozenset[str]  # every string constant in its body
    is_dataclass: bool


class SourceDefault:
    """A default value shown as its source text (it is never evaluated)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def read_classes(path: Path) -> dict[str, SourceClass]:
    """The top-level classes of a Python source file; SyntaxError or OSError where it cannot be read."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {node.name: _source_class(node) for node in tree.body if isinstance(node, ast.ClassDef)}


def _source_class(node: ast.ClassDef) -> SourceClass:
    methods = {
        item.name: signature(item) for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    fields = tuple(
        item.target.id for item in node.body if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
    )
    strings = frozenset(n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str))
    return SourceClass(node.name, methods, fields, strings, any(_is_dataclass(d) for d in node.decorator_list))


def _is_dataclass(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return ast.unparse(target) in ("dataclass", "dataclasses.dataclass")


def _default(node: ast.expr | None) -> Any:
    return P.empty if node is None else SourceDefault(ast.unparse(node))


def signature(function: ast.FunctionDef | ast.AsyncFunctionDef) -> inspect.Signature:
    """The signature a `def` declares (its first parameter, self, included)."""
    a = function.args
    positional = [*a.posonlyargs, *a.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    params = [
        P(arg.arg, P.POSITIONAL_ONLY if i < len(a.posonlyargs) else P.POSITIONAL_OR_KEYWORD, default=_default(d))
        for i, (arg, d) in enumerate(zip(positional, defaults, strict=True))
    ]
    if a.vararg:
        params.append(P(a.vararg.arg, P.VAR_POSITIONAL))
    params += [
        P(arg.arg, P.KEYWORD_ONLY, default=_default(d)) for arg, d in zip(a.kwonlyargs, a.kw_defaults, strict=True)
    ]
    if a.kwarg:
        params.append(P(a.kwarg.arg, P.VAR_KEYWORD))
    return inspect.Signature(params)


def bound(sig: inspect.Signature) -> inspect.Signature:
    """The signature as called on an instance (or a class, for __init__): its first parameter dropped."""
    params = list(sig.parameters.values())
    return sig.replace(parameters=params[1:]) if params and params[0].kind != P.VAR_POSITIONAL else sig


def stand_in(name: str, sig: inspect.Signature) -> Callable[..., Any]:
    """A function whose signature, as `inspect.signature` reads it, is `sig`; calling it is an error
    (what was read from source is never run)."""

    def method(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"{name} was read from source; it is not run")

    method.__name__ = name
    method.__signature__ = sig  # type: ignore[attr-defined]
    return method
