"""Throughput of the default grid with the local executor vs Ray with 1 and 2 workers, and Ray's cost
per work unit.

The default grid is `vfr-bench run`'s: training-free-dynamic and training-free-uniform at 12.5, 6.25, 5 and 4
Hz, tasks asr and rate-fidelity, the 24 built-in utterances (384 samples), generation only (not
scored). Ray runs on a local cluster of --cpus CPUs started once (its start is printed, not counted).
The per-unit cost: a no-op model over --noop-samples samples, once in units of 1 sample and once in
units of 50, on one Ray worker; (time of the first - time of the second) / (their unit counts' difference).

    python scripts/bench_ray_throughput.py [--cpus 2] [--limit N] [--noop-samples 400]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from bench_runner_overhead import NoOpAdapter  # scripts/ is on the path when a script runs

from vfr_bench.api.evaluate import run_grid
from vfr_bench.models import ModelRegistry, model_registry
from vfr_bench.rates import parse_rate_specs
from vfr_bench.run import RunConfig, Runner
from vfr_bench.run.config import RayOptions
from vfr_bench.run.settings import RunSettings, resolve
from vfr_bench.task_files import all_tasks


def default_grid(out: Path, limit: int | None, executor: str, workers: int | None) -> tuple[int, float]:
    settings = RunSettings(out=str(out), limit=limit, score=False, executor=executor, ray_workers=workers)
    config = resolve(settings, ["bench_ray_throughput"])
    start = time.perf_counter()
    outcome = run_grid(config)
    return outcome.ok + outcome.error, time.perf_counter() - start


def noop_grid(folder: Path, n: int, executor: str, unit_size: int | None) -> float:
    data = folder / "noop.jsonl"
    if not data.exists():
        rng = np.random.default_rng(0)
        lines = []
        for i in range(n):
            sf.write(folder / f"{i}.wav", (0.1 * rng.standard_normal(16000)).astype(np.float32), 16000)
            lines.append(json.dumps({"id": f"s{i}", "audio": f"{i}.wav", "text": "x"}))
        data.write_text("\n".join(lines) + "\n")
    models = model_registry(builtins=False)
    models.add("noop", NoOpAdapter)
    config = RunConfig(
        models=["noop"], rate_specs=parse_rate_specs("12.5"), tasks=[all_tasks()["asr"]],
        out=folder / f"noop-{executor}-{unit_size}", data=str(data), warmup=0, executor=executor,
        unit_size=unit_size, ray=RayOptions(workers=1),
    )  # fmt: skip
    start = time.perf_counter()
    Runner(config, registry=ModelRegistry(models)).run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cpus", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--limit", type=int, default=None, help="utterances per task (default: all 24)")
    parser.add_argument("--noop-samples", type=int, default=400)
    args = parser.parse_args()
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    import ray

    started = time.perf_counter()
    ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
    print(f"local Ray cluster of {args.cpus} CPUs started in {time.perf_counter() - started:.1f} s (not counted below)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("default grid (2 models x 4 rates x asr, rate-fidelity), generation only:")
        for label, executor, workers in (
            ("local", "local", None),
            ("ray, 1 worker", "ray", 1),
            ("ray, 2 workers", "ray", 2),
        ):
            n, seconds = default_grid(folder / label.replace(" ", "").replace(",", "-"), args.limit, executor, workers)
            print(f"  {label:<15} {n} samples in {seconds:6.1f} s = {n / seconds:5.2f} samples/s")
        local = noop_grid(folder, args.noop_samples, "local", None)
        small = noop_grid(folder, args.noop_samples, "ray", 1)
        large = noop_grid(folder, args.noop_samples, "ray", 50)
        n = args.noop_samples
        units_small, units_large = n, -(-n // 50)
        per_unit = (small - large) / (units_small - units_large)
        print(f"no-op model, {n} samples: local {local:.2f} s; Ray units of 1: {small:.2f} s; of 50: {large:.2f} s")
        print(
            f"  Ray's cost per unit {1000 * per_unit:.1f} ms; per sample beyond the local run "
            f"{1000 * (large - local) / n:.2f} ms (units of 50, a worker's start included)"
        )
    ray.shutdown()


if __name__ == "__main__":
    main()
