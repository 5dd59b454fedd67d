"""Record files read as columns: the fields a table needs, parsed by Arrow's JSON reader (about 30
times faster than validating each line as a model), with the same rules as the line-by-line reader:
a last line without its newline is left out (a cut tail), blank lines are skipped, and a damaged
line fails with its file and number (the line-by-line reader is asked to name it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import UnionType
from typing import TYPE_CHECKING, Literal, Union, get_args, get_origin

from pydantic import BaseModel

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


def frame_schema(record: type[BaseModel]) -> list[tuple[str, str]]:
    """The Arrow kind ("double" or "string") of each of `record.frame_fields`, read from the record's
    own field types, so the columns a DataFrame holds are defined once, on the record."""
    return [(name, _kind(record, name)) for name in record.frame_fields]  # type: ignore[attr-defined]


def _kind(record: type[BaseModel], path: str) -> str:
    head, _, rest = path.partition(".")
    annotation = record.model_fields[head].annotation
    union = get_origin(annotation) in (Union, UnionType)
    inner = [a for a in get_args(annotation) if a is not type(None)] if union else [annotation]
    if rest:
        nested = inner[0]
        if not (isinstance(nested, type) and issubclass(nested, BaseModel)):
            raise TypeError(f"{record.__name__}.{head} has no fields (asked for {path})")
        return _kind(nested, rest)
    if all(isinstance(a, type) and issubclass(a, (int, float)) and not issubclass(a, bool) for a in inner):
        return "double"
    if all(a is str or get_origin(a) is Literal for a in inner):
        return "string"
    raise TypeError(f"{record.__name__}.{path} ({annotation}) is neither a number nor text: no frame column")


def read_frame(
    path: Path, schema: list[tuple[str, str]], key: list[str], name_line: Callable[[], object],
    prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> pd.DataFrame:  # fmt: skip
    """The latest record of each `key` (a later line supersedes an earlier one, as in run_dir.latest)
    as a DataFrame with one column per schema field. `name_line` reads the file line by line and
    raises the error that names a damaged line; it is called when Arrow cannot read the file.
    `prepare` fills in what older records lack before the records are keyed."""
    import pandas as pd

    columns = [field for field, _ in schema]
    if not path.is_file():
        return pd.DataFrame({field: pd.Series(dtype=_dtype(kind)) for field, kind in schema})
    data = path.read_bytes()
    data = data[: data.rfind(b"\n") + 1]  # a cut tail (no newline yet) is not a record
    if not data.strip():
        return pd.DataFrame({field: pd.Series(dtype=_dtype(kind)) for field, kind in schema})
    try:
        table = _parse(data, schema)
    except Exception as err:  # Arrow's own error names no line: let the line reader name it
        name_line()
        raise RuntimeError(f"{path}: cannot be read as records ({err})") from None
    frame = table.flatten().flatten().to_pandas()
    frame = frame[[c for c in columns if c in frame.columns]]
    for field, kind in schema:
        if field not in frame.columns:
            frame[field] = pd.Series([None] * len(frame), dtype=_dtype(kind))
    if prepare is not None:
        frame = prepare(frame)
    missing = frame[key].isna().any(axis=1)
    if missing.any():
        name_line()
        raise RuntimeError(f"{path}: {int(missing.sum())} record(s) lack one of {', '.join(key)}")
    return frame[columns].drop_duplicates(subset=key, keep="last").reset_index(drop=True)


def _parse(data: bytes, schema: list[tuple[str, str]]) -> pa.Table:
    import io

    import pyarrow as pa
    import pyarrow.json as pj

    tops = dict.fromkeys(name.split(".", 1)[0] for name, _ in schema)  # in order, each once
    kinds = dict(schema)
    explicit = pa.schema([_field(top, kinds.get(top, "struct"), schema) for top in tops])
    options = pj.ParseOptions(explicit_schema=explicit, unexpected_field_behavior="ignore")
    return pj.read_json(io.BytesIO(data), parse_options=options, read_options=pj.ReadOptions(block_size=1 << 24))


def _field(name: str, kind: str, schema: list[tuple[str, str]]) -> pa.Field:
    """A top-level field; a parent of dotted fields becomes a struct of them."""
    import pyarrow as pa

    children = [(n.split(".", 1)[1], k) for n, k in schema if n.startswith(name + ".")]
    if children:
        return pa.field(name, pa.struct([pa.field(c, _arrow(k)) for c, k in children]))
    return pa.field(name, _arrow(kind))


def _arrow(kind: str) -> pa.DataType:
    import pyarrow as pa

    return pa.float64() if kind == "double" else pa.string()


def _dtype(kind: str) -> str:
    return "float64" if kind == "double" else "object"
