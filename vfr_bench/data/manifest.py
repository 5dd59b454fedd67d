"""The JSONL data manifest (`--data FILE.jsonl`, docs/design.md "Data manifest")."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from vfr_bench.data.sample import Dataset, Sample

KNOWN_KEYS = {"id", "audio", "text", "question", "answers", "language"}


JSON_WHITESPACE = " \t\r"


class ManifestError(ValueError):
    """A manifest that cannot be read; the message names the file and the line."""


def load_manifest(
    path: str | Path, name: str | None = None, source: str | None = None, revision: str = "file"
) -> Dataset:
    """Read and check every line before anything runs: a malformed manifest fails as a whole.

    A line's audio file that is missing is not a manifest error: that sample is recorded as an
    error when it runs, and the rest go on.
    """
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"data manifest not found: {path}")
    samples: list[Sample] = []
    seen: dict[str, int] = {}
    # split on newlines only: str.splitlines also splits inside a valid line at U+2028 and friends
    for number, raw in enumerate(path.read_bytes().split(b"\n"), 1):
        where = f"{path}:{number}"
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise ManifestError(
                f"{where}: not UTF-8 text (byte 0x{raw[err.start]:02x} at column {err.start + 1}); "
                "save the manifest as UTF-8"
            ) from None
        if not line.strip(JSON_WHITESPACE):  # str.strip would also drop control characters: garbage, not blank
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise ManifestError(f"{where}: not valid JSON ({err.msg} at column {err.colno})") from None
        if not isinstance(obj, dict):
            raise ManifestError(f"{where}: each line must be a JSON object, got {type(obj).__name__}")
        samples.append(_sample(obj, where, path.parent))
        if samples[-1].id in seen:
            raise ManifestError(f"{where}: id {samples[-1].id!r} repeats line {seen[samples[-1].id]}")
        seen[samples[-1].id] = number
    if not samples:
        raise ManifestError(f"{path}: the manifest holds no samples")
    return Dataset(
        name=name or path.stem,
        source=source or f"manifest:{path.resolve()}",
        revision=revision,
        content_hash=content_hash(samples),
        samples=tuple(samples),
    )


def _sample(obj: dict, where: str, base: Path) -> Sample:
    for key in ("id", "audio"):
        if key not in obj:
            raise ManifestError(f"{where}: missing required field {key!r}")
    for key, value in obj.items():
        try:  # "\udcff" is valid JSON but no text: a record holding it could never be written
            json.dumps([key, value], ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            what = "names a file whose name is not valid UTF-8" if key == "audio" else "is not valid UTF-8 text"
            raise ManifestError(f"{where}: {key!r} {what} ({ascii(value)[:80]}); rename it or fix the line") from None
    if isinstance(obj["id"], bool) or not isinstance(obj["id"], (str, int)) or str(obj["id"]).strip() == "":
        raise ManifestError(f"{where}: 'id' must be a non-empty string (or an integer), got {obj['id']!r}")
    if not isinstance(obj["audio"], str) or not obj["audio"]:
        raise ManifestError(f"{where}: 'audio' must be a path string")
    for key in ("text", "question", "language"):
        if key in obj and obj[key] is not None and not isinstance(obj[key], str):
            raise ManifestError(f"{where}: {key!r} must be a string")
    answers = obj.get("answers") or []
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        raise ManifestError(f"{where}: 'answers' must be a list of strings, got {answers!r}")
    audio = Path(obj["audio"])
    return Sample(
        id=str(obj["id"]),
        audio=audio if audio.is_absolute() else base / audio,
        text=obj.get("text"),
        question=obj.get("question"),
        answers=tuple(answers),
        language=obj.get("language") or "en",
        extra={k: v for k, v in obj.items() if k not in KNOWN_KEYS},
    )


def content_hash(samples: list[Sample] | tuple[Sample, ...]) -> str:
    """sha256 over each sample's fields and its audio file's bytes, in order.

    Two runs with equal hashes saw the same data; a missing file hashes as missing, so a
    repaired data set gets a new hash.
    """
    h = hashlib.sha256()
    for s in samples:
        h.update(_fields(s))
        h.update(file_digest(s.audio))
    return "sha256:" + h.hexdigest()


def sample_digest(sample: Sample) -> str:
    """One sample's own hash (its fields and its audio's bytes): what its records are fingerprinted by."""
    return hashlib.sha256(_fields(sample) + file_digest(sample.audio)).hexdigest()[:16]


def _fields(s: Sample) -> bytes:
    fields = {"id": s.id, "text": s.text, "question": s.question, "answers": list(s.answers), "language": s.language}
    return json.dumps(fields, sort_keys=True).encode()


def file_digest(path: Path | None) -> bytes:
    """sha256 of a file's bytes, remembered per (path, size, modification time): a data set is hashed
    when it loads and each sample again when its record is fingerprinted, from one read."""
    if path is None or not path.is_file():
        return b"<missing>"
    info = path.stat()
    return _cached_digest(str(path), info.st_size, info.st_mtime_ns)


@lru_cache(maxsize=200_000)
def _cached_digest(path: str, size: int, mtime_ns: int) -> bytes:
    d = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            d.update(block)
    return d.digest()
