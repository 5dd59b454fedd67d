"""GPU packing on Ray: 1, 2 and 4 replicas of the tiny Qwen2.5-Omni on one GPU (`--gpus-per-worker 1,
0.5, 0.25`), samples/s each, beside one local process. Needs a CUDA GPU, torch, transformers and Ray.

The tiny model is the shipped two-layer config with random weights (no download): at batch 1 its GPU
work per request is small next to the Python that launches it, which is the case packing is for.
Each replica holds one CPU and its GPU share; the run is generation only (not scored). The data are
--samples synthetic utterances of 1 to 4 s, task asr at the model's native rate, at most
--max-new-tokens text tokens per answer.

    python scripts/bench_ray_gpu_packing.py [--samples 384] [--max-new-tokens 64] [--shares 1,0.5,0.25] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from vfr_bench.baselines.qwen25_omni import TINY_CONFIG
from vfr_bench.jsonl import read_jsonl
from vfr_bench.rates import parse_rate_specs
from vfr_bench.run import RunConfig, Runner
from vfr_bench.run.config import RayOptions
from vfr_bench.task_files import all_tasks

OPTIONS = {"random_init_config": str(TINY_CONFIG)}


def manifest(folder: Path, n: int) -> Path:
    rng = np.random.default_rng(0)
    lines = []
    for i in range(n):
        seconds = 1.0 + 3.0 * rng.random()
        t = np.arange(int(seconds * 16000)) / 16000
        wave = 0.2 * np.sin(2 * np.pi * (180 + 40 * (i % 7)) * t) + 0.01 * rng.standard_normal(len(t))
        sf.write(folder / f"u{i}.wav", wave.astype(np.float32), 16000)
        lines.append(json.dumps({"id": f"u{i}", "audio": f"u{i}.wav", "text": "x"}))
    (folder / "m.jsonl").write_text("\n".join(lines) + "\n")
    return folder / "m.jsonl"


def timed(out: Path, data: Path, executor: str, share: float, args: argparse.Namespace) -> tuple[int, float, float]:
    device = args.device
    replicas = RayOptions(gpus_per_worker=share) if device == "cuda" else RayOptions(workers=round(1 / share))
    options = {**OPTIONS, "thinker_max_new_tokens": str(args.max_new_tokens)}
    config = RunConfig(
        models=["qwen2.5-omni"], rate_specs=parse_rate_specs("native"), tasks=[all_tasks()["asr"]], out=out,
        data=str(data), device=device, warmup=1, model_options={"qwen2.5-omni": options}, executor=executor,
        unit_size=4, ray=replicas,
    )  # fmt: skip
    start = time.perf_counter()
    outcome = Runner(config).run()
    wall = time.perf_counter() - start
    totals = [r["timings"]["t_total"] for r in read_jsonl(out / "samples.jsonl") if r["status"] == "ok"]
    assert outcome.ok == len(totals) and outcome.error == 0, f"{outcome.error} samples failed: {outcome.reasons}"
    return outcome.ok, wall, statistics.median(totals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=384)
    parser.add_argument("--max-new-tokens", type=int, default=64, help="text tokens the thinker generates at most")
    parser.add_argument("--shares", default="1,0.5,0.25")
    parser.add_argument("--out", help="keep the run directories here")
    parser.add_argument("--device", default="cuda", help="cpu: the same runs on CPU replicas (a check of the script)")
    args = parser.parse_args()
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    import ray
    import torch
    import transformers

    gpu = torch.cuda.get_device_name(0) if args.device == "cuda" else "CPU only"
    print(f"{gpu}, torch {torch.__version__}, transformers {transformers.__version__}, "
          f"ray {ray.__version__}, {os.cpu_count()} CPUs")  # fmt: skip
    started = time.perf_counter()
    ray.init(include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
    print(f"local Ray cluster {ray.cluster_resources()} started in {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.out or tmp)
        root.mkdir(parents=True, exist_ok=True)
        data = manifest(Path(tmp), args.samples)
        n, wall, p50 = timed(root / "local", data, "local", 1.0, args)
        print(f"local, one process: {n} samples in {wall:.1f} s = {n / wall:.2f} samples/s (t_total p50 {p50:.3f} s)")
        for share in (float(s) for s in args.shares.split(",")):
            replicas = int(1 / share + 1e-9)
            n, wall, p50 = timed(root / f"ray-{share:g}", data, "ray", share, args)
            print(
                f"ray, --gpus-per-worker {share:g} ({replicas} replica(s) on the GPU): {n} samples in {wall:.1f} s "
                f"= {n / wall:.2f} samples/s (t_total p50 {p50:.3f} s)"
            )
    ray.shutdown()


if __name__ == "__main__":
    main()
