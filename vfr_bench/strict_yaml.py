"""YAML as configuration files are read: UTF-8 only, a repeated key refused, aliases within a budget.

PyYAML's safe loader keeps the last of a repeated key without a word (a run config with two `rates:`
runs the second) and expands aliases without limit (a 600-byte file of nested aliases reaches 10^8
nodes). Every configuration file (run config, task files, gate rules) is read through `load_yaml`,
whose errors name the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# nodes a document may reach once its aliases are expanded: far above any real configuration
MAX_EXPANDED_NODES = 100_000


class YamlError(ValueError):
    """A configuration file that cannot be read as intended; the message names the file."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """The safe loader, refusing a mapping that repeats a key."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                line = seen.setdefault(key, key_node.start_mark.line + 1)
            except TypeError:
                continue  # an unhashable key: the base class reports it
            if line != key_node.start_mark.line + 1:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} repeats the one on line {line}", key_node.start_mark
                )
        return super().construct_mapping(node, deep=deep)


def load_yaml(path: str | Path, text: str | None = None) -> Any:
    """The YAML document in `path` (or `text`, read from it), or YamlError naming the file and why."""
    path = Path(path)
    if text is None:
        try:
            data = path.read_bytes()
        except OSError as err:
            raise YamlError(f"{path}: cannot read it ({err.strerror or err})") from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise YamlError(
                f"{path}: not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start}); save it as UTF-8"
            ) from None
    try:
        node = yaml.compose(text, Loader=_UniqueKeyLoader)
        if node is None:
            return None
        expanded = _expanded_size(node, {}, MAX_EXPANDED_NODES)
        if expanded > MAX_EXPANDED_NODES:
            raise YamlError(
                f"{path}: its aliases expand to more than {MAX_EXPANDED_NODES:,} nodes; write the values out"
            )
        loader = _UniqueKeyLoader(text)
        try:
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as err:
        raise YamlError(f"{path}: {_one_line(err)}") from None


def _expanded_size(node: yaml.Node, sizes: dict[int, int], budget: int) -> int:
    """Nodes `node` stands for with every alias expanded; an alias is the same node object, counted
    once per use but computed once (memo), so this is fast on the very documents it refuses."""
    if id(node) in sizes:
        return sizes[id(node)]
    sizes[id(node)] = budget + 1  # a node inside itself (a recursive alias) expands without end
    total = 1
    if isinstance(node, yaml.MappingNode):
        children = [child for pair in node.value for child in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    else:
        children = []
    for child in children:
        total += _expanded_size(child, sizes, budget)
        if total > budget:
            break
    sizes[id(node)] = total
    return total


def _one_line(err: yaml.YAMLError) -> str:
    """PyYAML's message in one line: the problem and where (line and column)."""
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return where + " ".join(str(problem).split())
