"""The runner: the (model x rate spec x task x sample) grid, timed, recorded one sample at a time."""

from __future__ import annotations

import hashlib
import math
import re
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import vfr_bench
from vfr_bench.audio import Audio, write_flac
from vfr_bench.data.sample import Dataset, Sample
from vfr_bench.data.sources import load_dataset
from vfr_bench.metrics import metrics_for_task
from vfr_bench.protocol import SPEECH_OUTPUT_KINDS, Adapter, AdapterUnavailable, monotonic
from vfr_bench.provenance import git_commit, hardware, library_versions, now_iso
from vfr_bench.rates import RateSpec, achieved_hz, rate_error
from vfr_bench.registry import ModelRegistry
from vfr_bench.run_dir import RunDirectory, write_json_atomic
from vfr_bench.task import Task


@dataclass
class RunConfig:
    models: list[str]
    rate_specs: list[RateSpec]
    tasks: list[Task]
    out: Path
    data: str | None = None  # a manifest that replaces every task's own data
    model_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    model_envs: dict[str, str] = field(default_factory=dict)  # model -> environment it runs in (a worker)
    limit: int | None = None
    device: str = "cpu"
    seed: int = 0
    resume: bool = False
    shard: tuple[int, int] = (0, 1)
    warmup: int = 1
    argv: list[str] = field(default_factory=lambda: list(sys.argv))


@dataclass
class RunOutcome:
    run_dir: Path
    ok: int = 0
    error: int = 0
    skipped: int = 0
    already_recorded: int = 0

    @property
    def failed(self) -> bool:
        return self.error > 0


@dataclass
class Cell:
    model: str
    spec: RateSpec
    task: Task
    samples: list[Sample]


class Progress:
    """What the runner tells the user; the CLI supplies a rich progress bar, tests a silent one."""

    def cell_started(self, cell: Cell, total: int) -> None: ...
    def sample_done(self, cell: Cell, status: str) -> None: ...
    def cell_finished(self, cell: Cell, counts: dict[str, int]) -> None: ...
    def message(self, text: str) -> None: ...


def subset(dataset: Dataset, limit: int | None) -> list[Sample]:
    """A deterministic subset: the `limit` samples whose ids hash lowest, kept in data-set order.

    Hashing ids (not taking the first N) spreads the subset over the whole set, and a sample's
    membership never depends on the order of the file.
    """
    samples = list(dataset.samples)
    if limit is None or limit >= len(samples):
        return samples
    chosen = set(sorted((s.id for s in samples), key=lambda i: hashlib.sha1(i.encode()).hexdigest())[:limit])
    return [s for s in samples if s.id in chosen]


def in_shard(key: tuple, shard: tuple[int, int]) -> bool:
    """Deterministic split of the grid by the sample key's hash, independent of grid order."""
    index, count = shard
    if count == 1:
        return True
    digest = hashlib.sha1("\x1f".join(map(str, key)).encode()).digest()
    return int.from_bytes(digest[:8], "big") % count == index


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "_"


class Runner:
    def __init__(
        self,
        config: RunConfig,
        registry: ModelRegistry | None = None,
        progress: Progress | None = None,
        dataset_loader: Callable[[Any], Dataset] = load_dataset,
    ):
        self.config = config
        self.registry = registry or ModelRegistry()
        self.progress = progress or Progress()
        self.dataset_loader = dataset_loader
        self.run_dir = RunDirectory(config.out, config.shard)

    # ---- set-up -------------------------------------------------------------------------------

    def _datasets(self) -> dict[str, Dataset]:
        """Each task's samples, each distinct source loaded once."""
        from vfr_bench.data.sources import describe_spec, with_noise

        loaded: dict[str, Dataset] = {}
        out = {}
        for task in self.config.tasks:
            spec = self.config.data or task.data
            key = describe_spec(spec)
            if key not in loaded:
                loaded[key] = self.dataset_loader(spec)
            ds = loaded[key]
            if task.language:
                from dataclasses import replace

                from vfr_bench.data.manifest import content_hash

                samples = tuple(s for s in ds.samples if s.language == task.language)
                ds = replace(ds, name=f"{ds.name}@{task.language}", samples=samples, content_hash=content_hash(samples))
                if not ds.samples:
                    raise ValueError(f"task {task.name!r}: the data holds no samples in language {task.language!r}")
            out[task.name] = with_noise(ds, task.noise) if task.noise else ds
        return out

    def _adapters(self) -> dict[str, Adapter]:
        """Instantiate every model first, so an unknown name or option fails before any work."""
        adapters = {}
        for name in self.config.models:
            options = self.config.model_options.get(name, {})
            if name in self.config.model_envs:
                from vfr_bench.isolation.envs import env_python
                from vfr_bench.isolation.remote import RemoteAdapter

                self.registry.entry(name)  # an unknown name fails here, not in the worker
                adapters[name] = RemoteAdapter(
                    name, env_python(self.config.model_envs[name]), self.config.device, options
                )
                _ = adapters[name].capabilities  # start the worker: a bad option or environment fails now
                continue
            adapters[name] = self.registry.create(name, device=self.config.device, options=options)
            check = getattr(adapters[name], "check_available", None)
            if check:
                check()
        return adapters

    def _manifest(self, adapters: dict[str, Adapter], datasets: dict[str, Dataset], started: str) -> dict:
        cfg = self.config
        previous = self.run_dir.read_manifest() or {}
        session = {
            "argv": cfg.argv,
            "shard": f"{cfg.shard[0]}/{cfg.shard[1]}",
            "started": started,
            "finished": None,
            "resume": cfg.resume,
        }
        task_info = {}
        for task in cfg.tasks:
            ds = datasets[task.name]
            task_info[task.name] = {**task.describe(), "dataset": ds.describe(), "limit": cfg.limit}
        metric_names = sorted({m.name for t in cfg.tasks for m in metrics_for_task(t.metrics)})
        from vfr_bench.metrics import get_metric

        manifest = {
            "vfr_bench_version": vfr_bench.__version__,
            "git": git_commit(),
            "argv": previous.get("argv", cfg.argv),
            "models": {**previous.get("models", {}), **{n: _model_info(a) for n, a in adapters.items()}},
            "rate_specs": sorted(set(previous.get("rate_specs", [])) | {s.label for s in cfg.rate_specs}),
            "tasks": {**previous.get("tasks", {}), **task_info},
            "metrics": {name: get_metric(name).describe() for name in metric_names},
            "hardware": hardware(),
            "libraries": library_versions(),
            "device": cfg.device,
            "seed": cfg.seed,
            "warmup_requests_per_cell": cfg.warmup,
            "shard_count": cfg.shard[1],
            "started": previous.get("started", started),
            "finished": None,
            "sessions": previous.get("sessions", []) + [session],
        }
        return manifest

    def _record_loaded_model(self, name: str, adapter: Adapter) -> None:
        """Checkpoint, hash and settings are known only once the weights are loaded."""
        with self.run_dir.manifest_lock():
            manifest = self.run_dir.read_manifest() or {}
            manifest.setdefault("models", {})[name] = _model_info(adapter)
            write_json_atomic(self.run_dir.manifest_path, manifest)

    def _finish_manifest(self, started: str) -> None:
        with self.run_dir.manifest_lock():
            manifest = self.run_dir.read_manifest() or {}
            for session in manifest.get("sessions", []):
                if (
                    session.get("started") == started
                    and session.get("shard") == f"{self.config.shard[0]}/{self.config.shard[1]}"
                ):
                    session["finished"] = now_iso()
            manifest["finished"] = now_iso()
            write_json_atomic(self.run_dir.manifest_path, manifest)

    # ---- the grid ---------------------------------------------------------------------------------

    def run(self) -> RunOutcome:
        cfg = self.config
        datasets = self._datasets()
        adapters = self._adapters()
        outcome = RunOutcome(run_dir=cfg.out)
        self.run_dir.open(resume=cfg.resume)
        started = now_iso()
        try:
            with self.run_dir.manifest_lock():
                write_json_atomic(self.run_dir.manifest_path, self._manifest(adapters, datasets, started))
            recorded = self.run_dir.recorded_keys()
            for name, adapter in adapters.items():
                cells = []
                for spec in cfg.rate_specs:
                    for task in cfg.tasks:
                        pending = []
                        for sample in subset(datasets[task.name], cfg.limit):
                            key = (name, spec.label, task.name, sample.id)
                            if not in_shard(key, cfg.shard):
                                continue
                            if key in recorded:
                                outcome.already_recorded += 1
                            else:
                                pending.append(sample)
                        if pending:
                            cells.append(Cell(name, spec, task, pending))
                if cells:
                    self._run_model(adapter, cells, outcome)
        finally:
            try:
                self._finish_manifest(started)
            finally:
                self.run_dir.close()
        return outcome

    def _run_model(self, adapter: Adapter, cells: list[Cell], outcome: RunOutcome) -> None:
        load_error: str | None = None
        loaded = False
        try:
            for cell in cells:
                refusal = self._refusal(adapter, cell)
                if refusal is None and not loaded and load_error is None:
                    try:
                        adapter.load()
                        loaded = True
                        self._record_loaded_model(cell.model, adapter)
                    except AdapterUnavailable:
                        raise
                    except Exception as err:  # the model's own failure: every sample of it records it
                        load_error = f"model {cell.model!r} failed to load: {type(err).__name__}: {err}"
                        self.progress.message(load_error)
                self._run_cell(adapter, cell, refusal, load_error, outcome)
        finally:
            if loaded:
                adapter.close()

    def _refusal(self, adapter: Adapter, cell: Cell) -> str | None:
        refusal = adapter.rate_control_for().refusal(cell.spec)
        if refusal:
            return refusal
        if cell.task.request_kind_for(adapter.capabilities) is None:
            return (
                f"model {cell.model!r} answers {sorted(adapter.capabilities)}, none of the request kinds "
                f"task {cell.task.name!r} takes ({', '.join(cell.task.request_kinds)})"
            )
        return None

    def _run_cell(
        self, adapter: Adapter, cell: Cell, refusal: str | None, load_error: str | None, outcome: RunOutcome
    ) -> None:
        counts = {"ok": 0, "error": 0, "skipped": 0}
        self.progress.cell_started(cell, len(cell.samples))
        if refusal is None and load_error is None:
            self._warm_up(adapter, cell)
        for sample in cell.samples:
            if refusal is not None:
                record = self._base_record(adapter, cell, sample)
                record.update(status="skipped", error=refusal)
            elif load_error is not None:
                record = self._base_record(adapter, cell, sample)
                record.update(status="error", error=load_error)
            else:
                record = self._run_sample(adapter, cell, sample)
            self.run_dir.append_sample(record)
            counts[record["status"]] += 1
            setattr(outcome, record["status"], getattr(outcome, record["status"]) + 1)
            self.progress.sample_done(cell, record["status"])
        self.progress.cell_finished(cell, counts)

    def _warm_up(self, adapter: Adapter, cell: Cell) -> None:
        """Warm-up requests (not recorded) on the first sample whose audio loads."""
        if self.config.warmup <= 0:
            return
        kind = cell.task.request_kind_for(adapter.capabilities)
        req_in, req_out = adapter.rate_control_for().resolve(cell.spec)
        for sample in cell.samples:
            try:
                audio = sample.load_audio()[0] if sample.audio else None
                request = cell.task.build_request(kind, sample, audio, req_in, req_out)
            except Exception:
                continue
            for _ in range(self.config.warmup):
                try:
                    adapter.generate(request)
                except Exception as err:  # the sample itself will record the failure
                    self.progress.message(f"warm-up request failed ({type(err).__name__}: {err})")
                    return
            adapter.synchronize()
            return

    def _base_record(self, adapter: Adapter, cell: Cell, sample: Sample) -> dict[str, Any]:
        req_in, req_out = adapter.rate_control_for().resolve(cell.spec)
        return {
            "model": cell.model,
            "rate_spec": cell.spec.label,
            "task": cell.task.name,
            "task_version": cell.task.version,
            "sample_id": sample.id,
            "request_kind": cell.task.request_kind_for(adapter.capabilities),
            "requested_input_hz": req_in,
            "requested_output_hz": req_out,
            "achieved_input_hz": None,
            "achieved_output_hz": None,
            "input_rate_error": None,
            "output_rate_error": None,
            "input_seconds": None,
            "output_seconds": None,
            "n_input_tokens": None,
            "n_output_tokens": None,
            "n_output_codec_tokens": None,
            "output_codec_hz": None,
            "n_text_tokens": None,
            "text": None,
            "audio": None,
            "timings": {"t_total": None, "t_first_token": None, "t_first_audio": None, "t_ar": None},
            "streaming": None,
            "status": None,
            "error": None,
            "language": sample.language,
            "reference": {"text": sample.text, "question": sample.question, "answers": list(sample.answers)},
            "source_audio": str(sample.audio) if sample.audio else None,
            "shard": f"{self.config.shard[0]}/{self.config.shard[1]}",
            **({"sample_extra": sample.extra} if sample.extra else {}),
        }

    def _run_sample(self, adapter: Adapter, cell: Cell, sample: Sample) -> dict[str, Any]:
        record = self._base_record(adapter, cell, sample)
        try:
            audio, transform = sample.load_audio() if sample.audio else (None, {})
            if audio is not None:
                record.update(
                    input_seconds=audio.seconds,
                    input_silent=audio.is_silent,
                    input_original_sample_rate=audio.original_sample_rate,
                    input_channels=audio.original_channels,
                    **transform,
                )
            request = cell.task.build_request(
                record["request_kind"], sample, audio, record["requested_input_hz"], record["requested_output_hz"]
            )
            adapter.synchronize()
            start = monotonic()
            response = adapter.generate(request)
            adapter.synchronize()
            t_total = monotonic() - start
            self._fill_from_response(record, response, t_total, audio, cell, sample)
            record["status"] = "ok"
        except Exception as err:
            record.update(
                status="error",
                error=f"{type(err).__name__}: {err}" if str(err) else type(err).__name__,
                traceback=traceback.format_exc(limit=8),
            )
        return record

    def _fill_from_response(
        self, record: dict, response, t_total: float, audio: Audio | None, cell: Cell, sample: Sample
    ) -> None:
        out_seconds = response.output_seconds
        audio_rel = None
        if response.audio is not None:
            if not response.audio_sample_rate:
                raise ValueError("adapter returned audio without its sample rate")
            if out_seconds is None:
                out_seconds = len(response.audio) / response.audio_sample_rate
            # the id's hash keeps ids that sanitise alike ("a/b", "a_b") from overwriting each other
            digest = hashlib.sha1(sample.id.encode()).hexdigest()[:8]
            rel = (
                Path("audio")
                / safe_name(cell.model)
                / safe_name(cell.spec.label)
                / safe_name(cell.task.name)
                / f"{safe_name(sample.id)}-{digest}.flac"
            )
            write_flac(self.run_dir.path / rel, response.audio, response.audio_sample_rate)
            audio_rel = str(rel)
        in_seconds = record["input_seconds"]
        ach_in = achieved_hz(response.n_input_tokens, in_seconds)
        ach_out = achieved_hz(response.n_output_tokens, out_seconds)
        speech_out = record["request_kind"] in SPEECH_OUTPUT_KINDS
        timings = {
            "t_total": t_total,
            "t_first_token": response.t_first_token,
            # a non-streaming model has its first audio when it has all of it
            "t_first_audio": (response.t_first_audio if response.streaming else t_total) if speech_out else None,
            "t_ar": response.t_ar,
        }
        fields = _json_safe(
            dict(
                achieved_input_hz=ach_in,
                achieved_output_hz=ach_out,
                input_rate_error=rate_error(ach_in, record["requested_input_hz"]),
                output_rate_error=rate_error(ach_out, record["requested_output_hz"]),
                output_seconds=out_seconds,
                n_input_tokens=response.n_input_tokens,
                n_output_tokens=response.n_output_tokens,
                n_output_codec_tokens=response.n_output_codec_tokens,
                output_codec_hz=achieved_hz(response.n_output_codec_tokens, out_seconds),
                n_text_tokens=response.n_text_tokens,
                text=response.text,
                audio=audio_rel,
                timings=timings,
                streaming=response.streaming,
                adapter_extra=response.extra or None,
            ),
            keep_non_finite=True,
        )
        _check_finite(fields)  # before anything reaches the record: a refused sample carries none of it
        fields["adapter_extra"] = _json_safe(fields["adapter_extra"])
        record.update(fields)


def _model_info(adapter: Adapter) -> dict[str, Any]:
    return {
        "rate_control": adapter.rate_control_for().describe(),
        "capabilities": sorted(adapter.capabilities),
        **adapter.describe(),
    }


def _check_finite(fields: dict) -> None:
    """NaN or infinity from an adapter would poison aggregates; refuse it for this sample."""
    numbers = {k: v for k, v in fields.items() if isinstance(v, float)}
    numbers.update({f"timings.{k}": v for k, v in fields["timings"].items() if isinstance(v, float)})
    bad = [k for k, v in numbers.items() if not math.isfinite(v)]
    if bad:
        raise ValueError(f"adapter returned non-finite values for {', '.join(sorted(bad))}")


def _json_safe(value: Any, keep_non_finite: bool = False) -> Any:
    """Plain JSON types: numpy scalars become Python numbers, other objects their str; non-finite
    floats become None unless kept (for _check_finite to refuse)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v, keep_non_finite) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v, keep_non_finite) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value) and not keep_non_finite:
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
