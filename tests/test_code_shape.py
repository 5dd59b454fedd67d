"""The package stays readable: no import circle, no file over 400 lines, no function over 60; its
packages form layers (each imports only packages below it) and no library package imports the CLI.

Imports are read from the source (module level, inside functions and under TYPE_CHECKING alike):
a circle through a lazy import is still a circle in the design.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# folder on disk -> the package name it installs as (pyproject's package-dir)
ROOTS = {REPO / "vfr_bench": "vfr_bench", REPO / "baselines": "vfr_bench.baselines", REPO / "tasks": "vfr_bench.tasks"}
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60


def modules() -> dict[str, Path]:
    out = {}
    for folder, package in ROOTS.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([package, *parts])] = path
    return out


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports anywhere in its source."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for target in targets:
            while target and target not in known:  # `import a.b.c` where only a.b is a module
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, set()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:  # targets outside the graph (a package with no edges of its own) are leaves
            visit(v)
    return out


def package_parent_edges(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """A package's __init__ importing its own submodules is how packages work, and a submodule
    importing a sibling through the package is not a circle through the __init__: drop edges from a
    module to the packages that contain it."""
    return {m: {t for t in deps if not m.startswith(t + ".")} for m, deps in graph.items()}


def package_of(module: str) -> str:
    """The layer a module belongs to: its subpackage of vfr_bench (`vfr_bench.run`), or itself for a
    top-level module (`vfr_bench.records`); the adapters and the task files are packages of their own."""
    for root in ("vfr_bench.baselines", "vfr_bench.tasks"):
        if module == root or module.startswith(root + "."):
            return root
    return ".".join(module.split(".")[:2])


def package_graph(graph: dict[str, set[str]]) -> dict[str, dict[str, set[str]]]:
    """package -> package it imports -> the module imports behind that edge ("a -> b")."""
    out: dict[str, dict[str, set[str]]] = {}
    for module, deps in graph.items():
        for dep in deps:
            source, target = package_of(module), package_of(dep)
            if source != target and target != "vfr_bench":
                out.setdefault(source, {}).setdefault(target, set()).add(f"{module} -> {dep}")
    return out


def package_circles(graph: dict[str, set[str]]) -> list[str]:
    """Each circle among packages, with the module imports that make it."""
    packages = package_graph(graph)
    return [
        " <-> ".join(circle)
        + ": "
        + "; ".join(sorted(edge for a in circle for b in circle for edge in packages.get(a, {}).get(b, set())))
        for circle in cycles({a: set(targets) for a, targets in packages.items()})
    ]


def module_graph() -> dict[str, set[str]]:
    found = modules()
    return package_parent_edges({name: imported(name, path, set(found)) for name, path in found.items()})


def test_packages_point_one_way():
    """api above report above scoring ... : no two packages import each other, however indirectly."""
    assert package_circles(module_graph()) == []


def test_no_library_package_imports_the_command_line():
    found = [
        f"{module} -> {dep}"
        for module, deps in module_graph().items()
        if package_of(module) != "vfr_bench.cli"
        for dep in deps
        if package_of(dep) == "vfr_bench.cli"
    ]
    assert found == []


def test_the_layer_check_finds_two_packages_that_import_each_other(tmp_path):
    (tmp_path / "a.py").write_text("from vfr_bench.report import b\n")
    (tmp_path / "b.py").write_text("def f():\n    from vfr_bench.api.c import g\n")
    known = {"vfr_bench.api.a", "vfr_bench.report.b", "vfr_bench.api.c", "vfr_bench.api", "vfr_bench.report"}
    graph = {
        "vfr_bench.api.a": imported("vfr_bench.api.a", tmp_path / "a.py", known),
        "vfr_bench.report.b": imported("vfr_bench.report.b", tmp_path / "b.py", known),
    }
    assert cycles(graph) == []  # no module circle: only the packages loop
    assert package_circles(graph) == [
        "vfr_bench.api <-> vfr_bench.report: vfr_bench.api.a -> vfr_bench.report; "
        "vfr_bench.api.a -> vfr_bench.report.b; "
        "vfr_bench.report.b -> vfr_bench.api.c"
    ]


def test_no_import_circle():
    assert cycles(module_graph()) == []


def test_the_cycle_finder_finds_a_circle_through_a_lazy_import(tmp_path):
    (tmp_path / "a.py").write_text("import pkg.b\n")
    (tmp_path / "b.py").write_text("def f():\n    from pkg import a\n")
    known = {"pkg.a", "pkg.b", "pkg"}
    graph = {"pkg.a": imported("pkg.a", tmp_path / "a.py", known), "pkg.b": imported("pkg.b", tmp_path / "b.py", known)}
    assert cycles(graph) == [["pkg.a", "pkg.b"]]


@pytest.mark.parametrize("name", sorted(modules()))
def test_files_and_functions_stay_short(name):
    path = modules()[name]
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_FILE_LINES, f"{path.relative_to(REPO)} has {lines} lines"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{path.relative_to(REPO)}: {', '.join(long)}"
