"""The local executor: runs work units on adapters in this process, one sample at a time.

For each model it loads the weights once (only if some unit can run), warms each unit up with
unrecorded requests, times every request with the device synchronised before both clock reads,
and appends each sample's record the moment it is done. A rate the model cannot run, or a task
it cannot answer, is recorded as `skipped` with the reason; a failure of one sample is that
sample's `error`, and the rest go on.
"""

from __future__ import annotations

import logging
import traceback
from collections import Counter
from collections.abc import Callable

from vfr_bench.audio import write_flac
from vfr_bench.data.sample import Sample
from vfr_bench.progress import SILENT, Progress
from vfr_bench.protocol import Adapter, AdapterUnavailable, monotonic
from vfr_bench.records import Fingerprint, SampleRecord
from vfr_bench.run.plan import WorkUnit
from vfr_bench.run.sample_record import audio_path, base_record, input_fields, response_fields
from vfr_bench.run_dir import RunDirectory

log = logging.getLogger(__name__)


class LocalExecutor:
    def __init__(
        self,
        run: RunDirectory,
        warmup: int = 1,
        progress: Progress = SILENT,
        on_loaded: Callable[[str, Adapter], str | None] = lambda name, adapter: None,
        fingerprint: Callable[[WorkUnit, Sample], Fingerprint] | None = None,
    ):
        self.run = run
        self.warmup = warmup
        self.progress = progress
        self.on_loaded = on_loaded  # records the loaded model's checkpoint; returns its weights' fingerprint
        self.fingerprint = fingerprint  # what made each record (run.fingerprint)
        self.weights: dict[str, str | None] = {}
        self.shard = f"{run.shard[0]}/{run.shard[1]}"

    def execute(self, units: list[WorkUnit], adapters: dict[str, Adapter]) -> Counter[str]:
        """Run every unit; returns how many samples ended ok, error and skipped."""
        counts: Counter[str] = Counter()
        for name, adapter in adapters.items():
            mine = [u for u in units if u.model == name]
            if mine:
                counts += self._run_model(adapter, mine)
        return counts

    def _run_model(self, adapter: Adapter, units: list[WorkUnit]) -> Counter[str]:
        counts: Counter[str] = Counter()
        load_error: str | None = None
        loaded = False
        try:
            for unit in units:
                refusal = refusal_for(adapter, unit)
                if refusal is None and not loaded and load_error is None:
                    load_error = self._load(adapter, unit.model)
                    loaded = load_error is None
                counts += self._run_unit(adapter, unit, refusal, load_error)
        finally:
            if loaded:
                adapter.close()
        return counts

    def _load(self, adapter: Adapter, name: str) -> str | None:
        """Load the weights; the model's own failure is returned (every sample of it records it)."""
        try:
            adapter.load()
        except AdapterUnavailable:
            raise
        except Exception as err:
            message = f"model {name!r} failed to load: {type(err).__name__}: {err}"
            log.warning(message)
            return message
        self.weights[name] = self.on_loaded(name, adapter)
        return None

    def _run_unit(self, adapter: Adapter, unit: WorkUnit, refusal: str | None, load_error: str | None) -> Counter[str]:
        counts: Counter[str] = Counter()
        self.progress.start(unit, unit.label, len(unit.samples))
        if refusal is None and load_error is None:
            self._warm_up(adapter, unit)
        for sample in unit.samples:
            if refusal is not None:
                record = base_record(adapter, unit, sample, self.shard, "skipped", refusal, self._print(unit, sample))
            elif load_error is not None:
                record = base_record(adapter, unit, sample, self.shard, "error", load_error, self._print(unit, sample))
            else:
                record = self.run_sample(adapter, unit, sample)
            self.run.append_sample(record)
            counts[record.status] += 1
            self.progress.advance(unit, record.status)
        self.progress.finish(unit, counts)
        return counts

    def _warm_up(self, adapter: Adapter, unit: WorkUnit) -> None:
        """Warm-up requests (not recorded) on the first sample whose audio loads."""
        if self.warmup <= 0:
            return
        kind = unit.task.request_kind_for(adapter.capabilities)
        assert kind is not None, "a unit the model cannot answer is skipped, not warmed up"
        req_in, req_out = adapter.rate_control_for().resolve(unit.spec)
        for sample in unit.samples:
            try:
                audio = sample.load_audio()[0] if sample.audio else None
                request = unit.task.build_request(kind, sample, audio, req_in, req_out)
            except Exception:
                continue
            for _ in range(self.warmup):
                try:
                    adapter.generate(request)
                except Exception as err:  # the sample itself will record the failure
                    log.warning("warm-up request failed (%s: %s)", type(err).__name__, err)
                    return
            adapter.synchronize()
            return

    def _print(self, unit: WorkUnit, sample: Sample) -> Fingerprint | None:
        if self.fingerprint is None:
            return None
        made = self.fingerprint(unit, sample)
        return made.model_copy(update={"weights": self.weights.get(unit.model)})

    def run_sample(self, adapter: Adapter, unit: WorkUnit, sample: Sample) -> SampleRecord:
        """One timed request; any failure becomes this sample's error, with its traceback."""
        record = base_record(adapter, unit, sample, self.shard, "ok", fingerprint=self._print(unit, sample))
        try:
            audio, transform = sample.load_audio() if sample.audio else (None, {})
            if audio is not None:
                record = record.model_copy(update=input_fields(audio, transform))
            kind = unit.task.request_kind_for(adapter.capabilities)
            assert kind is not None, "a unit the model cannot answer is skipped, not run"
            request = unit.task.build_request(
                kind, sample, audio, record.requested_input_hz, record.requested_output_hz
            )
            adapter.synchronize()
            start = monotonic()
            response = adapter.generate(request)
            adapter.synchronize()
            t_total = monotonic() - start
            if response.audio is not None and not response.audio_sample_rate:
                raise ValueError("adapter returned audio without its sample rate")
            rel = audio_path(unit, sample.id) if response.audio is not None else None
            fields = response_fields(record, response, t_total, str(rel) if rel else None)
            if rel is not None and response.audio is not None:
                write_flac(self.run.path / rel, response.audio, int(response.audio_sample_rate or 0))
            return SampleRecord.model_validate({**record.model_dump(), **fields})
        except Exception as err:
            message = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
            return record.model_copy(
                update={"status": "error", "error": message, "traceback": traceback.format_exc(limit=8)}
            )


def refusal_for(adapter: Adapter, unit: WorkUnit) -> str | None:
    """Why this model does not run this unit (recorded as `skipped`), or None."""
    refusal = adapter.rate_control_for().refusal(unit.spec)
    if refusal:
        return refusal
    if unit.task.request_kind_for(adapter.capabilities) is None:
        return (
            f"model {unit.model!r} answers {sorted(adapter.capabilities)}, none of the request kinds "
            f"task {unit.task.name!r} takes ({', '.join(unit.task.request_kinds)})"
        )
    return None
