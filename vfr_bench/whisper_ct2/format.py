"""CTranslate2's `model.bin` (binary version 6) read into numpy and written back.

Layout (little-endian): uint32 binary version; the spec name (a string: uint16 length including a
trailing NUL, the bytes, the NUL); uint32 spec revision; uint32 variable count; per variable: name,
uint8 rank, uint32 per dimension, uint8 dtype id, uint32 byte count, the raw bytes; then uint32 alias
count and per alias two strings (alias, variable). Written by `ctranslate2.specs.ModelSpec._serialize`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

SUPPORTED_VERSIONS = (5, 6)
# CTranslate2's dtype ids; bfloat16 has no numpy type and is read as its raw 16 bits
DTYPES: dict[int, np.dtype] = {
    0: np.dtype("<f4"),
    1: np.dtype("i1"),
    2: np.dtype("<i2"),
    3: np.dtype("<i4"),
    4: np.dtype("<f2"),
    5: np.dtype("<u2"),
}


class CT2FormatError(ValueError):
    """A file that is not a CTranslate2 model.bin this reader understands (said with the offset)."""


@dataclass
class CT2Model:
    spec: str
    revision: int
    variables: dict[str, np.ndarray]
    dtype_ids: dict[str, int]
    aliases: dict[str, str] = field(default_factory=dict)
    version: int = 6

    def get(self, name: str) -> np.ndarray:
        """A variable by its name or an alias of it."""
        return self.variables[self.aliases.get(name, name)]


class _Reader:
    def __init__(self, f: BinaryIO, path: Path):
        self.f, self.path = f, path

    def take(self, n: int) -> bytes:
        data = self.f.read(n)
        if len(data) != n:
            raise CT2FormatError(f"{self.path}: ends at byte {self.f.tell()} where {n} more bytes were expected")
        return data

    def unpack(self, fmt: str) -> int:
        return int(struct.unpack("<" + fmt, self.take(struct.calcsize(fmt)))[0])

    def string(self) -> str:
        raw = self.take(self.unpack("H"))
        if not raw.endswith(b"\0"):
            raise CT2FormatError(f"{self.path}: a string at byte {self.f.tell() - len(raw)} lacks its NUL")
        return raw[:-1].decode("utf-8")


def read_model_bin(path: str | Path) -> CT2Model:
    """Every variable of a CTranslate2 model.bin as a numpy array (in its stored dtype)."""
    path = Path(path)
    with open(path, "rb") as f:
        r = _Reader(f, path)
        version = r.unpack("I")
        if version not in SUPPORTED_VERSIONS:
            raise CT2FormatError(f"{path}: binary version {version}, this reader knows {SUPPORTED_VERSIONS}")
        spec, revision, count = r.string(), r.unpack("I"), r.unpack("I")
        variables: dict[str, np.ndarray] = {}
        dtype_ids: dict[str, int] = {}
        for _ in range(count):
            name = r.string()
            shape = tuple(r.unpack("I") for _ in range(r.unpack("B")))
            dtype_id, nbytes = r.unpack("B"), r.unpack("I")
            if dtype_id not in DTYPES:
                raise CT2FormatError(f"{path}: variable {name!r} has unknown dtype id {dtype_id}")
            dtype = DTYPES[dtype_id]
            if nbytes != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize:
                raise CT2FormatError(f"{path}: variable {name!r} holds {nbytes} bytes, not shape {shape} x {dtype}")
            variables[name] = np.frombuffer(r.take(nbytes), dtype=dtype).reshape(shape)
            dtype_ids[name] = dtype_id
        aliases = {}
        for _ in range(r.unpack("I")):
            alias = r.string()
            aliases[alias] = r.string()
        if f.read(1):
            raise CT2FormatError(f"{path}: bytes follow the alias table")
    return CT2Model(spec, revision, variables, dtype_ids, aliases, version)


def write_model_bin(model: CT2Model, path: str | Path) -> None:
    """Write `model` in the layout `read_model_bin` reads (and CTranslate2 loads)."""

    def string(f: BinaryIO, text: str) -> None:
        raw = text.encode("utf-8")
        f.write(struct.pack("<H", len(raw) + 1) + raw + b"\0")

    with open(path, "wb") as f:
        f.write(struct.pack("<I", model.version))
        string(f, model.spec)
        f.write(struct.pack("<II", model.revision, len(model.variables)))
        for name, value in model.variables.items():
            dtype = DTYPES[model.dtype_ids[name]]
            data = np.array(value, dtype=dtype, order="C")  # keeps 0-d scalars 0-d
            string(f, name)
            f.write(struct.pack("<B", data.ndim) + b"".join(struct.pack("<I", d) for d in data.shape))
            f.write(struct.pack("<BI", model.dtype_ids[name], data.nbytes))
            f.write(data.tobytes())
        f.write(struct.pack("<I", len(model.aliases)))
        for alias, target in model.aliases.items():
            string(f, alias)
            string(f, target)
