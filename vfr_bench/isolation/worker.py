"""The worker: runs one model adapter inside its own virtual environment, answering over a pipe.

Protocol (one JSON object per line; every request has an "id" its reply echoes; audio as .npy files
in a folder both sides can read):

    -> {"id", "op": "hello"}          <- {"id", "ok": true, "name", "capabilities", "rate_control", "options"}
    -> {"id", "op": "load"}           <- {"id", "ok": true, "describe": {...}}
    -> {"id", "op": "generate", "request": {kind, sample_id, audio: PATH.npy | null, sample_rate, text,
                                            language, input_hz, output_hz}}
                                      <- {"id", "ok": true, "response": {...Response fields..., audio: PATH.npy | null}}
    -> {"id", "op": "close"}          <- {"id", "ok": true} and the worker exits
    any failure                       <- {"id", "ok": false, "error": "Type: message", "traceback": "..."}

Started by vfr_bench.isolation.channel with the environment's own Python. Requests come on stdin;
replies go to the file descriptor given by --reply-fd, which model code knows nothing of: fd 1 is
pointed at the log first, so nothing a library prints can enter the protocol.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
import traceback
import uuid
from pathlib import Path
from typing import Any

import numpy as np


def _rate_control(adapter) -> dict[str, Any]:
    return dataclasses.asdict(adapter.rate_control_for())


def serve(model: str, device: str, options: dict[str, Any], exchange: Path, stdin, replies) -> None:
    from vfr_bench.models import ModelRegistry

    adapter = ModelRegistry().create(model, device=device, options=options)
    for line in stdin:
        if not line.strip():
            continue
        ident = None
        try:
            message = json.loads(line)
            ident = message.get("id")
            out = answer(adapter, message, exchange)
            replies.write(json.dumps({"id": ident, "ok": True, **out}, default=str) + "\n")
            replies.flush()
            if message.get("op") == "close":
                return
        except Exception as err:  # the parent records it for this request; the worker stays up
            failure = {"id": ident, "ok": False, "error": f"{type(err).__name__}: {err}",
                       "traceback": traceback.format_exc(limit=8)}  # fmt: skip
            replies.write(json.dumps(failure) + "\n")
            replies.flush()


def answer(adapter: Any, message: dict[str, Any], exchange: Path) -> dict[str, Any]:
    """The reply's fields for one request."""
    from vfr_bench.protocol import Request

    op = message.get("op")
    if op == "hello":
        return {
            "name": adapter.name, "capabilities": sorted(adapter.capabilities),
            "rate_control": _rate_control(adapter), "options": adapter.config, "python": sys.executable,
            "alphabets": [a.model_dump() if a else None for a in adapter.token_alphabets()],
        }  # fmt: skip
    if op == "load":
        adapter.load()
        return {"describe": adapter.describe()}
    if op == "close":
        adapter.close()
        return {}
    if op != "generate":
        raise ValueError(f"unknown op {op!r}")
    fields = dict(message["request"])
    audio_path = fields.pop("audio", None)
    request = Request(audio=None if audio_path is None else np.load(audio_path), **fields)
    start = time.perf_counter()
    response = adapter.generate(request)
    adapter.synchronize()
    elapsed = time.perf_counter() - start
    out = dataclasses.asdict(response)
    if response.audio is not None:
        path = exchange / f"out-{uuid.uuid4().hex}.npy"
        np.save(path, np.asarray(response.audio, dtype=np.float32))
        out["audio"] = str(path)
    out["extra"] = {**(out.get("extra") or {}), "worker_seconds": elapsed}
    return {"response": out}


def main() -> None:
    parser = argparse.ArgumentParser(description="vfr-bench model worker (started by vfr-bench, not by hand)")
    parser.add_argument("--model", required=True)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--options", default="{}")
    parser.add_argument("--exchange", required=True, type=Path)
    parser.add_argument("--reply-fd", required=True, type=int)
    args = parser.parse_args()
    replies = os.fdopen(args.reply_fd, "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # fd 1 is the log from here on: C libraries and subprocesses write there, not to the parent
    sys.stdout = sys.stderr
    serve(args.model, args.device, json.loads(args.options), args.exchange, sys.stdin, replies)


if __name__ == "__main__":
    main()
