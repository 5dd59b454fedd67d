"""An append-only key -> value cache on disk (judge transcripts, LLM replies, DNSMOS scores)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from vfr_bench.jsonl import append_jsonl, read_jsonl


class JsonCache:
    """One JSON line per entry; the last entry for a key wins. Read once per cache object."""

    def __init__(self, path: Path):
        self.path = path
        self._data: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any]:
        if self._data is None:
            self._data = {r["key"]: r["value"] for r in read_jsonl(self.path)}
        return self._data

    def get(self, key: str) -> Any:
        return self._load().get(key)

    def put(self, key: str, value: Any) -> None:
        append_jsonl(self.path, [{"key": key, "value": value}])
        self._load()[key] = value


def stable_hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
