"""Runner overhead per sample (everything but generate), with an adapter that does nothing.

Prints samples per second over the whole grid: audio decode and checks, request building, the
device-synchronised clock reads, the record, the fsynced append. Target: >= 200 samples/s on 2 cores.

    python scripts/bench_runner_overhead.py [--samples 400] [--seconds 3]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import ClassVar

import numpy as np
import soundfile as sf

from vfr_bench.models import ModelRegistry, model_registry
from vfr_bench.protocol import Adapter, RateControl, Request, Response
from vfr_bench.rates import parse_rate_specs
from vfr_bench.run import RunConfig, Runner
from vfr_bench.task_files import all_tasks


class NoOpAdapter(Adapter):
    name = "noop"
    capabilities: ClassVar[frozenset[str]] = frozenset({"asr"})
    rate_control = RateControl("controllable", native_input_hz=25.0, native_output_hz=25.0, min_hz=1, max_hz=25)

    def generate(self, request: Request) -> Response:
        return Response(text="", n_input_tokens=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each utterance")
    parser.add_argument("--rates", default="12.5,6.25,5,4")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        rng = np.random.default_rng(0)
        lines = []
        for i in range(args.samples):
            sf.write(tmp / f"{i}.wav", (0.1 * rng.standard_normal(int(args.seconds * 16000))).astype(np.float32), 16000)
            lines.append(json.dumps({"id": f"s{i}", "audio": f"{i}.wav", "text": "x"}))
        (tmp / "m.jsonl").write_text("\n".join(lines) + "\n")
        models = model_registry(builtins=False)
        models.add("noop", NoOpAdapter)
        registry = ModelRegistry(models)
        specs = parse_rate_specs(args.rates)
        config = RunConfig(
            models=["noop"],
            rate_specs=specs,
            tasks=[all_tasks()["asr"]],
            out=tmp / "run",
            data=str(tmp / "m.jsonl"),
            warmup=1,
        )
        start = time.perf_counter()
        outcome = Runner(config, registry=registry).run()
        elapsed = time.perf_counter() - start
    n = outcome.ok
    print(
        f"runner overhead, no-op adapter: {n} samples ({args.samples} x {len(specs)} rates, "
        f"{args.seconds:g} s WAV each) in {elapsed:.2f} s = {n / elapsed:.0f} samples/s "
        f"({1000 * elapsed / n:.2f} ms per sample, incl. data hashing and set-up)"
    )


if __name__ == "__main__":
    main()
