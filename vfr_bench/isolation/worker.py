"""The worker: runs one model adapter inside its own virtual environment, answering over a pipe.

Protocol (one JSON object per line; audio as .npy files in a folder both sides can read):

    -> {"op": "hello"}                      <- {"ok": true, "name", "capabilities", "rate_control", "options"}
    -> {"op": "load"}                       <- {"ok": true, "describe": {...}}
    -> {"op": "generate", "request": {kind, sample_id, audio: PATH.npy | null, sample_rate, text,
                                      language, input_hz, output_hz}}
                                            <- {"ok": true, "response": {...Response fields..., audio: PATH.npy | null}}
    -> {"op": "close"}                      <- {"ok": true} and the worker exits
    any failure                             <- {"ok": false, "error": "Type: message", "traceback": "..."}

Started as `python -c WORKER_BOOT --model NAME --device DEV --options JSON --exchange DIR` (see remote.py)
with the environment's own Python. stdout carries only protocol lines; everything else goes to stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
import traceback
import uuid
from pathlib import Path
from typing import Any

import numpy as np


def _rate_control(adapter) -> dict[str, Any]:
    return dataclasses.asdict(adapter.rate_control_for())


def serve(model: str, device: str, options: dict[str, Any], exchange: Path, stdin, stdout) -> None:
    from vfr_bench.models import ModelRegistry
    from vfr_bench.protocol import Request

    adapter = ModelRegistry().create(model, device=device, options=options)

    def reply(obj: dict) -> None:
        stdout.write(json.dumps(obj, default=str) + "\n")
        stdout.flush()

    for line in stdin:
        if not line.strip():
            continue
        try:
            message = json.loads(line)
            op = message.get("op")
            if op == "hello":
                reply(
                    {
                        "ok": True,
                        "name": adapter.name,
                        "capabilities": sorted(adapter.capabilities),
                        "rate_control": _rate_control(adapter),
                        "options": adapter.config,
                        "python": sys.executable,
                    }
                )
            elif op == "load":
                adapter.load()
                reply({"ok": True, "describe": adapter.describe()})
            elif op == "generate":
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
                reply({"ok": True, "response": out})
            elif op == "close":
                adapter.close()
                reply({"ok": True})
                return
            else:
                reply({"ok": False, "error": f"unknown op {op!r}"})
        except Exception as err:  # the parent records it for this request; the worker stays up
            reply({"ok": False, "error": f"{type(err).__name__}: {err}", "traceback": traceback.format_exc(limit=8)})


def main() -> None:
    parser = argparse.ArgumentParser(description="vfr-bench model worker (started by vfr-bench, not by hand)")
    parser.add_argument("--model", required=True)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--options", default="{}")
    parser.add_argument("--exchange", required=True, type=Path)
    args = parser.parse_args()
    protocol_out = sys.stdout
    sys.stdout = sys.stderr  # model code that prints must not corrupt the protocol stream
    serve(args.model, args.device, json.loads(args.options), args.exchange, sys.stdin, protocol_out)


if __name__ == "__main__":
    main()
