"""Where a latency-lab decode step's time goes, per backend: device busy time against wall time, and
the kernels that take it (torch.profiler over the autoregressive loop of one request).

A step is launch-bound when the device is idle for much of the wall time (eager: one launch per op
from Python); memory-bound when the device is busy and the time is near the roofline bound (the
weights and KV cache read once a step at the card's bandwidth).

    python scripts/profile_latency_step.py --arch flexislm-7b-thinker [--backend eager,compiled]
        [--rate 12.5] [--output-seconds 10] [--device cuda] [--dtype bf16] [--top 12]
"""

from __future__ import annotations

import argparse
import time

from vfr_bench.latency.architectures import get_architecture
from vfr_bench.latency.lab_run import BYTES, device_name
from vfr_bench.latency.roofline import detect_peaks, roofline_bounds
from vfr_bench.latency.timing import Lab, cache_lengths, plan


def profile(lab: Lab, p, device: str, top: int) -> tuple[float, float, str]:
    """Wall time of one request's loop, device busy time in it, and the top kernels' table."""
    import torch
    from torch.profiler import ProfilerActivity

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.startswith("cuda") else [])
    with torch.profiler.profile(activities=activities) as prof:
        start = time.perf_counter()
        timings = lab.run(p)
        wall = time.perf_counter() - start
    events = prof.key_averages()
    on_device = device.startswith("cuda")
    busy_us = sum(e.self_device_time_total for e in events) if on_device else sum(e.self_cpu_time_total for e in events)
    sort = "self_cuda_time_total" if on_device else "self_cpu_time_total"
    table = events.table(sort_by=sort, row_limit=top, max_name_column_width=60)
    # the loop's share: the profile covers prefill too, which a long request makes small
    return timings.t_ar, min(busy_us / 1e6, wall), table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", default="flexislm-7b-thinker")
    parser.add_argument("--backend", default="eager,compiled")
    parser.add_argument("--rate", type=float, default=12.5)
    parser.add_argument("--input-seconds", type=float, default=10.0)
    parser.add_argument("--output-seconds", type=float, default=10.0)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--dtype", default="bf16")
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    arch = get_architecture(args.arch)
    p = plan(arch, args.rate, args.rate, args.input_seconds, args.output_seconds)
    peaks = detect_peaks(device_name(args.device), dtype=args.dtype)
    _, ar_bound = roofline_bounds(arch, p, 1, BYTES[args.dtype], peaks)
    thinker, stage = cache_lengths(arch, [p])
    for backend in args.backend.split(","):
        lab = Lab(
            arch, device=args.device, dtype=args.dtype, max_positions=thinker, backend=backend, stage_positions=stage
        )
        for _ in range(2):  # warm-up: compilation, graph capture, allocator
            lab.run(p)
        t_ar, busy, table = profile(lab, p, args.device, args.top)
        steps = p.llm_steps
        print(f"\n== {arch.name}, {backend}, {args.rate} Hz, {steps} LLM steps, {args.dtype} on {peaks.name}")
        bound = f"{1000 * ar_bound / steps:.2f} ms/step" if ar_bound else "unknown (no peak bandwidth for this device)"
        print(f"loop: {1000 * t_ar / steps:.2f} ms/step; roofline bound {bound}")
        print(f"device busy {busy:.3f} s of the request's profiled wall time (prefill included)")
        print(table)
        lab.close()


if __name__ == "__main__":
    main()
