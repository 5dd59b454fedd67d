"""`vfr-bench latency`: time each rate on a named architecture and write a run directory.

The run directory has the same layout as `vfr-bench run` writes (manifest.json, samples.jsonl,
scores.jsonl, summary.csv), one `LabRecord` per (architecture, rate, batch size, repeat), written
through the same session builder and rate accounting, so that `report` and `gate` read it like any
other run (they take the record type from the manifest's kind). Its one task is LAB_TASK (random
inputs of fixed length); the batch size is the record's own field, a dimension of every cell.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfr_bench.latency.architectures import Architecture
from vfr_bench.latency.roofline import DevicePeaks, detect_peaks, roofline_bounds
from vfr_bench.latency.timing import Lab, RequestTimes, StepPlan, cache_lengths, plan
from vfr_bench.stability import unstable_cells

if TYPE_CHECKING:
    from vfr_bench.latency.vllm_lab import VllmLab
from vfr_bench.metrics import metrics_for_task
from vfr_bench.progress import SILENT, Progress
from vfr_bench.rates import RateSpec, rate_accounting
from vfr_bench.records import (
    LAB_KIND,
    LAB_TASK,
    LabRecord,
    LabTimings,
    SampleKey,
    Session,
    SummaryRow,
    TaskInfo,
    Timings,
)
from vfr_bench.run.session import begin_session, finish_session
from vfr_bench.run_dir import RunDirectory
from vfr_bench.scoring import score_run

BACKENDS = {
    "eager": {"kv_cache": "transformers DynamicCache", "decode_step": "eager PyTorch, one kernel launch per op"},
    "compiled": {
        "kv_cache": "transformers StaticCache (max positions per sequence, unwritten slots masked)",
        "decode_step": "torch.compile fullgraph (embedding, decoder, output head, argmax); CUDA graphs on a GPU "
        '(mode "reduce-overhead"), inductor on a CPU; prefill eager',
    },
    "vllm": {
        "kv_cache": "vLLM's paged KV cache, prefix caching off",
        "decode_step": "vLLM's engine (its CUDA graphs and attention kernels); thinkers only; random weights "
        '(load_format "dummy"); GPU only',
    },
}
BYTES = {"bf16": 2, "fp16": 2, "fp32": 4}
log = logging.getLogger(__name__)


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
    backend: str = "eager"  # a name in BACKENDS

    @property
    def model_name(self) -> str:
        """The architecture's name, with the backend where it is not eager (one series per backend)."""
        return self.arch.name if self.backend == "eager" else f"{self.arch.name}+{self.backend}"


def device_name(device: str) -> str:
    if device.startswith("cuda"):
        import torch

        return torch.cuda.get_device_name(torch.device(device))
    from vfr_bench.provenance import cpu_model

    return cpu_model() or "cpu"


def run_latency(cfg: LatencyConfig, progress: Progress = SILENT) -> Path:
    """Time every (batch size, rate) cell not yet recorded, then score the run directory."""
    peaks = detect_peaks(device_name(cfg.device), cfg.peak_bandwidth_gbs, cfg.peak_tflops, cfg.dtype)
    run = RunDirectory(cfg.out)
    run.open(resume=cfg.resume)
    try:
        recorded = run.recorded_keys()
        session = _begin(run, cfg, peaks)
        try:
            log.info("building %s with random weights on %s (%s)", cfg.model_name, cfg.device, cfg.dtype)
            lab = build_lab(cfg)
            try:
                for batch in cfg.batch_sizes:
                    for spec in cfg.rate_specs:
                        _time_cell(run, lab, cfg, spec, batch, peaks, recorded, progress)
            finally:
                lab.close()
        finally:
            finish_session(run, session)
    finally:
        run.close()
    score_run(cfg.out, {LAB_TASK: []}, seed=cfg.seed)  # latency metrics only
    return cfg.out


def _time_cell(
    run: RunDirectory, lab: Lab | VllmLab, cfg: LatencyConfig, spec: RateSpec, batch: int, peaks: DevicePeaks,
    recorded: set[SampleKey], progress: Progress,
) -> None:  # fmt: skip
    keys = [SampleKey(cfg.model_name, spec.label, LAB_TASK, f"repeat-{i}", batch) for i in range(cfg.repeats)]
    todo = [k for k in keys if k not in recorded]
    if not todo:
        return
    in_hz, out_hz = cfg.arch.resolve(spec)
    p = plan(cfg.arch, in_hz, out_hz, cfg.input_seconds, cfg.output_seconds)
    label = f"{cfg.model_name} @ {spec.label} Hz, batch {batch}"
    progress.start(label, label, len(todo))
    started = time.perf_counter()
    for _ in range(cfg.warmup):  # warm-up: kernels chosen, allocator grown, graphs compiled; not recorded
        lab.run(p, batch)
    warmup_s = time.perf_counter() - started
    if cfg.backend == "compiled":
        from vfr_bench.latency.compiled_stack import check_graphs

        check_graphs(cfg.device)
    for key in todo:
        run.append_sample(lab_record(cfg, key, in_hz, out_hz, p, lab.run(p, batch), peaks, warmup_s))
        progress.advance(label)
    progress.finish(label, {"ok": len(todo)})


def build_lab(cfg: LatencyConfig) -> Lab | VllmLab:
    """The lab that times requests on the config's backend (a Lab, or a VllmLab for vllm)."""
    if cfg.backend == "vllm":
        from vfr_bench.latency.vllm_lab import VllmLab

        return VllmLab(cfg.arch, cfg.device, cfg.dtype, _cache_lengths(cfg)[0], seed=cfg.seed)
    thinker, stage = _cache_lengths(cfg)
    return Lab(
        cfg.arch, device=cfg.device, dtype=cfg.dtype, max_positions=thinker, seed=cfg.seed, backend=cfg.backend,
        stage_positions=stage,
    )  # fmt: skip


def _cache_lengths(cfg: LatencyConfig) -> tuple[int, int]:
    plans = [plan(cfg.arch, *cfg.arch.resolve(s), cfg.input_seconds, cfg.output_seconds) for s in cfg.rate_specs]
    return cache_lengths(cfg.arch, plans)


def lab_record(
    cfg: LatencyConfig, key: SampleKey, in_hz: float, out_hz: float, p: StepPlan, timings: RequestTimes,
    peaks: DevicePeaks, warmup_s: float | None = None,
) -> LabRecord:  # fmt: skip
    """One timed request (a batch of key.batch_size) as a lab record; no audio exists, so nothing vocodes
    and t_first_audio is None."""
    prefill_bound, ar_bound = roofline_bounds(cfg.arch, p, key.batch_size, BYTES[cfg.dtype], peaks)
    codec_tokens = p.speech_steps * cfg.arch.codes_per_step
    rates: dict[str, Any] = rate_accounting(
        p.input_speech_positions, cfg.input_seconds, in_hz, p.speech_steps, cfg.output_seconds, out_hz, codec_tokens
    )
    latency = LabTimings(
        t_prefill=timings.t_prefill, ms_per_llm_step=1000 * timings.t_ar / p.llm_steps,
        stage_seconds=timings.stage_seconds, stage_steps=timings.stage_steps, ar_bound_s=ar_bound,
        prefill_bound_s=prefill_bound, ar_roofline_ratio=None if not ar_bound else timings.t_ar / ar_bound,
        prefill_roofline_ratio=None if not prefill_bound else timings.t_prefill / prefill_bound, warmup_s=warmup_s,
    )  # fmt: skip
    return LabRecord(
        model=key.model, rate_spec=key.rate_spec, task=key.task, sample_id=key.sample_id, request_kind="s2s",
        batch_size=key.batch_size, requested_input_hz=in_hz, requested_output_hz=out_hz, **rates,
        input_seconds=cfg.input_seconds, output_seconds=cfg.output_seconds, n_input_tokens=p.input_speech_positions,
        n_output_tokens=p.speech_steps, n_output_codec_tokens=codec_tokens, n_text_tokens=p.text_steps,
        prefill_length=p.prefill_length, prompt_tokens=p.prompt_tokens, llm_steps=p.llm_steps,
        thinker_steps=p.thinker_steps, streaming=False, status="ok",
        hypothetical_rate=cfg.arch.is_hypothetical(in_hz, out_hz),
        timings=Timings(t_total=timings.t_total, t_first_token=timings.t_first_token, t_ar=timings.t_ar),
        latency=latency,
    )  # fmt: skip


def _begin(run: RunDirectory, cfg: LatencyConfig, peaks: DevicePeaks) -> Session:
    previous = run.read_manifest()  # a resume with other batch sizes adds them to the task's
    before = previous.tasks[LAB_TASK].batch_sizes if previous and LAB_TASK in previous.tasks else None
    tasks = {
        LAB_TASK: TaskInfo(
            name=LAB_TASK, version=1, metrics=[], batch_sizes=sorted({*(before or []), *cfg.batch_sizes}),
            input_seconds=cfg.input_seconds, output_seconds=cfg.output_seconds,
            dataset={"name": "none (random inputs)", "content_hash": "none"},
        )
    }  # fmt: skip
    lab = {
        "device": cfg.device, "device_name": peaks.name, "dtype": cfg.dtype,
        "peak_bandwidth_bytes_per_s": peaks.bandwidth, "peak_flops": peaks.flops, "peaks_source": peaks.source,
        "repeats": cfg.repeats, "warmup_requests": cfg.warmup, "attention": "sdpa",
        "weights": "random (seeded); a step's time does not depend on weight values",
        "steps": "fixed: round(rate x seconds); no end token",
    }  # fmt: skip
    return begin_session(
        run, argv=cfg.argv, resume=cfg.resume,
        models={cfg.model_name: {**cfg.arch.describe(), "backend": cfg.backend, **_backend_info(cfg.backend)}},
        rate_specs=[s.label for s in cfg.rate_specs], tasks=tasks,
        metrics={m.name: m.describe() for m in metrics_for_task([])},
        kind=LAB_KIND, latency_lab=lab, device=cfg.device, seed=cfg.seed,
    )  # fmt: skip


def _backend_info(backend: str) -> dict[str, Any]:
    from vfr_bench.provenance import installed_version

    library = "vllm" if backend == "vllm" else "torch"
    return {**BACKENDS[backend], "library": f"{library} {installed_version(library)}"}


def summary_table(rows: list[SummaryRow]) -> list[dict[str, Any]]:
    """Per (arch, batch size, rate): ms/step, total, speed-up vs the highest rate, measured / roofline, and
    `unstable`: why a cell is not a result (vfr_bench/stability.py), or None."""
    cells: dict[tuple[str, int, str, float | None], dict[str, float]] = {}
    for row in rows:
        cells.setdefault((row.model, row.batch_size, row.rate_spec, row.requested_output_hz), {})[row.metric] = (
            row.value
        )
    groups: dict[tuple[str, int], list[tuple[str, int, str, float | None]]] = {}
    for key in cells:
        groups.setdefault((key[0], key[1]), []).append(key)
    out = []
    for (model, batch), group in sorted(groups.items()):
        base_total = cells[max(group, key=lambda k: k[3] or 0)].get("t_total_p50")
        timed = {k[3]: (cells[k].get("t_total_p50"), cells[k].get("t_total_p95")) for k in group if k[3]}
        unstable = unstable_cells({hz: (p50, p95) for hz, (p50, p95) in timed.items() if hz and p50 is not None})
        for key in sorted(group, key=lambda k: -(k[3] or 0)):
            m = cells[key]
            total = m.get("t_total_p50")
            out.append(
                {
                    "model": model, "batch": batch, "rate": key[2],
                    "ms_per_step": m.get("ms_per_llm_step_p50"),
                    "spread": _ratio(m.get("ms_per_llm_step_p95"), m.get("ms_per_llm_step_p50")),
                    "t_prefill": m.get("t_prefill_p50"), "t_total": total,
                    "speedup": (base_total / total) if base_total and total else None,
                    "ar_roofline_ratio": m.get("ar_roofline_ratio_p50"),
                    "prefill_roofline_ratio": m.get("prefill_roofline_ratio_p50"),
                    "unstable": unstable.get(key[3]) if key[3] else None,  # why the cell is not a result
                }
            )  # fmt: skip
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None
