"""`vfr-bench latency`: time each rate on a named architecture and write a run directory.

The run directory has the same layout as `vfr-bench run` writes (manifest.json, samples.jsonl,
scores.jsonl, summary.csv), one sample per (architecture, rate, batch size, repeat), so that
`report` and `gate` read it like any other run.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import vfr_bench
from vfr_bench.latency.architectures import Architecture
from vfr_bench.latency.roofline import DevicePeaks, detect_peaks, roofline_bounds
from vfr_bench.latency.timing import Lab, Plan, Timings, plan
from vfr_bench.provenance import git_commit, hardware, library_versions, now_iso
from vfr_bench.rates import RateSpec
from vfr_bench.run_dir import RunDirectory, write_json_atomic
from vfr_bench.scoring import score_run

TASK_PREFIX = "latency-lab"
LAB_METRICS = ["t_prefill_p50", "ms_per_llm_step_p50", "ar_roofline_ratio_p50", "prefill_roofline_ratio_p50"]
BYTES = {"bf16": 2, "fp16": 2, "fp32": 4}


@dataclass
class LatencyConfig:
    arch: Architecture
    rate_specs: list[RateSpec]
    out: Path
    input_seconds: float = 10.0
    output_seconds: float = 10.0
    device: str = "cpu"
    dtype: str = "bf16"
    repeats: int = 5
    warmup: int = 2
    batch_sizes: list[int] = field(default_factory=lambda: [1])
    peak_bandwidth_gbs: float | None = None
    peak_tflops: float | None = None
    seed: int = 0
    resume: bool = False
    argv: list[str] = field(default_factory=lambda: list(sys.argv))


def task_name(batch: int) -> str:
    return f"{TASK_PREFIX}-bs{batch}"


def device_name(device: str) -> str:
    if device.startswith("cuda"):
        import torch

        return torch.cuda.get_device_name(torch.device(device))
    from vfr_bench.provenance import _cpu_model

    return _cpu_model() or "cpu"


def run_latency(cfg: LatencyConfig, progress: Callable[[str], None] = lambda _: None) -> Path:
    arch = cfg.arch
    peaks = detect_peaks(device_name(cfg.device), cfg.peak_bandwidth_gbs, cfg.peak_tflops, cfg.dtype)
    run_dir = RunDirectory(cfg.out)
    run_dir.open(resume=cfg.resume)
    started = now_iso()
    try:
        recorded = run_dir.recorded_keys()
        with run_dir.manifest_lock():
            write_json_atomic(run_dir.manifest_path, _manifest(cfg, peaks, started, run_dir.read_manifest() or {}))
        max_positions = _max_positions(cfg)
        progress(f"building {arch.name} with random weights on {cfg.device} ({cfg.dtype})")
        lab = Lab(arch, device=cfg.device, dtype=cfg.dtype, max_positions=max_positions, seed=cfg.seed)
        try:
            for batch in cfg.batch_sizes:
                for spec in cfg.rate_specs:
                    in_hz, out_hz = arch.resolve(spec)
                    keys = [(arch.name, spec.label, task_name(batch), f"repeat-{i}") for i in range(cfg.repeats)]
                    todo = [k for k in keys if k not in recorded]
                    if not todo:
                        continue
                    p = plan(arch, in_hz, out_hz, cfg.input_seconds, cfg.output_seconds)
                    for _ in range(cfg.warmup):  # warm-up: kernels chosen, allocator grown; not recorded
                        lab.run(p, batch)
                    for key in todo:
                        timings = lab.run(p, batch)
                        run_dir.append_sample(_record(cfg, key, spec, in_hz, out_hz, p, batch, timings, peaks))
                    progress(f"{arch.name} @ {spec.label} Hz, batch {batch}: done")
        finally:
            lab.close()
    finally:
        with run_dir.manifest_lock():
            manifest = run_dir.read_manifest() or {}
            manifest["finished"] = now_iso()
            write_json_atomic(run_dir.manifest_path, manifest)
        run_dir.close()
    score_run(cfg.out, {task_name(b): LAB_METRICS for b in cfg.batch_sizes}, seed=cfg.seed)
    return cfg.out


def _max_positions(cfg: LatencyConfig) -> int:
    highest = max(max(cfg.arch.resolve(s)) for s in cfg.rate_specs)
    p = plan(cfg.arch, highest, highest, cfg.input_seconds, cfg.output_seconds)
    return p.prefill_length + p.thinker_steps + 64


def _record(
    cfg: LatencyConfig,
    key: tuple,
    spec: RateSpec,
    in_hz: float,
    out_hz: float,
    p: Plan,
    batch: int,
    timings: Timings,
    peaks: DevicePeaks,
) -> dict[str, Any]:
    arch = cfg.arch
    prefill_bound, ar_bound = roofline_bounds(arch, p, batch, BYTES[cfg.dtype], peaks)
    output_seconds = cfg.output_seconds
    return {
        "model": arch.name,
        "rate_spec": spec.label,
        "task": key[2],
        "sample_id": key[3],
        "request_kind": "s2s",
        "batch_size": batch,
        "requested_input_hz": in_hz,
        "requested_output_hz": out_hz,
        "achieved_input_hz": p.input_speech_positions / cfg.input_seconds,
        "achieved_output_hz": p.speech_steps / output_seconds,
        "input_rate_error": p.input_speech_positions / cfg.input_seconds / in_hz - 1,
        "output_rate_error": p.speech_steps / output_seconds / out_hz - 1,
        "input_seconds": cfg.input_seconds,
        "output_seconds": output_seconds,
        "n_input_tokens": p.input_speech_positions,
        "n_output_tokens": p.speech_steps,
        "n_output_codec_tokens": p.speech_steps * arch.codes_per_step,
        "output_codec_hz": p.speech_steps * arch.codes_per_step / output_seconds,
        "n_text_tokens": p.text_steps,
        "prefill_length": p.prefill_length,
        "prompt_tokens": p.prompt_tokens,
        "llm_steps": p.llm_steps,
        "thinker_steps": p.thinker_steps,
        "text": None,
        "audio": None,
        "streaming": False,
        "status": "ok",
        "error": None,
        "hypothetical_rate": arch.is_hypothetical(in_hz, out_hz),
        "timings": {
            "t_total": timings.t_total,
            "t_first_token": timings.t_first_token,
            "t_first_audio": None,
            "t_ar": timings.t_ar,
        },  # no vocoder is timed: no audio exists
        "latency": {
            "t_prefill": timings.t_prefill,
            "ms_per_llm_step": 1000 * timings.t_ar / p.llm_steps,
            "stage_seconds": timings.stage_seconds,
            "stage_steps": timings.stage_steps,
            "ar_bound_s": ar_bound,
            "prefill_bound_s": prefill_bound,
            "ar_roofline_ratio": None if not ar_bound else timings.t_ar / ar_bound,
            "prefill_roofline_ratio": None if not prefill_bound else timings.t_prefill / prefill_bound,
        },
    }


def _manifest(cfg: LatencyConfig, peaks: DevicePeaks, started: str, previous: dict) -> dict:
    arch = cfg.arch
    tasks = {
        task_name(b): {
            "name": task_name(b),
            "version": 1,
            "metrics": LAB_METRICS,
            "batch_size": b,
            "input_seconds": cfg.input_seconds,
            "output_seconds": cfg.output_seconds,
            "dataset": {"name": "none (random inputs)", "content_hash": "none"},
        }
        for b in cfg.batch_sizes
    }
    from vfr_bench.metrics import metrics_for_task

    return {
        "kind": "latency-lab",
        "vfr_bench_version": vfr_bench.__version__,
        "git": git_commit(),
        "argv": previous.get("argv", cfg.argv),
        "models": {**previous.get("models", {}), arch.name: arch.describe()},
        "rate_specs": sorted(set(previous.get("rate_specs", [])) | {s.label for s in cfg.rate_specs}),
        "tasks": {**previous.get("tasks", {}), **tasks},
        "metrics": {m.name: m.describe() for m in metrics_for_task(LAB_METRICS)},
        "latency_lab": {
            "device": cfg.device,
            "device_name": peaks.name,
            "dtype": cfg.dtype,
            "peak_bandwidth_bytes_per_s": peaks.bandwidth,
            "peak_flops": peaks.flops,
            "peaks_source": peaks.source,
            "repeats": cfg.repeats,
            "warmup_requests": cfg.warmup,
            "kv_cache": "transformers DynamicCache",
            "attention": "sdpa",
            "weights": "random (seeded); a step's time does not depend on weight values",
            "steps": "fixed: round(rate x seconds); no end token",
        },
        "hardware": hardware(),
        "libraries": library_versions(),
        "device": cfg.device,
        "seed": cfg.seed,
        "shard_count": 1,
        "started": previous.get("started", started),
        "finished": None,
        "sessions": previous.get("sessions", []) + [{"argv": cfg.argv, "shard": "0/1", "started": started}],
    }


def summary_table(rows: list[dict]) -> list[dict]:
    """Per (arch, task, rate): ms/step, total, speed-up vs the highest rate, measured / roofline."""
    cells: dict[tuple, dict[str, float]] = {}
    for row in rows:
        cells.setdefault((row["model"], row["task"], row["rate_spec"], row["requested_output_hz"]), {})[
            row["metric"]
        ] = row["value"]
    out = []
    for (model, task), group in _group_by(cells, lambda k: (k[0], k[1])).items():
        top = max(group, key=lambda k: k[3] or 0)
        base_total = cells[top].get("t_total_p50")
        for key in sorted(group, key=lambda k: -(k[3] or 0)):
            m = cells[key]
            total = m.get("t_total_p50")
            out.append(
                {
                    "model": model,
                    "task": task,
                    "rate": key[2],
                    "ms_per_step": m.get("ms_per_llm_step_p50"),
                    "t_prefill": m.get("t_prefill_p50"),
                    "t_total": total,
                    "speedup": (base_total / total) if base_total and total else None,
                    "ar_roofline_ratio": m.get("ar_roofline_ratio_p50"),
                    "prefill_roofline_ratio": m.get("prefill_roofline_ratio_p50"),
                }
            )
    return out


def _group_by(cells: dict, key: Callable) -> dict:
    groups: dict = {}
    for k in cells:
        groups.setdefault(key(k), []).append(k)
    return groups
