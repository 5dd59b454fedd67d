"""One model's side of a run: its adapter, loaded once when a unit first needs it, warmed up once per
(model, rate spec, task) cell, and each sample of a unit run, timed and turned into its record.

Every executor runs samples through this one class, so a sample's record is the same whichever ran
it: the local executor drives it in this process, the Ray executor inside an actor on any node
(vfr_bench/run/ray_actor.py). It writes nothing: each sample comes out as a `Produced` (the record,
and the FLAC bytes of any generated audio) for the one writer, RunDirectory, to append.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from vfr_bench.audio import Audio, flac_bytes
from vfr_bench.data.sample import Sample
from vfr_bench.io_errors import error_text
from vfr_bench.protocol import Adapter, AdapterUnavailable, monotonic
from vfr_bench.records import Fingerprint, SampleRecord, Status
from vfr_bench.run.fingerprint import weights_fingerprint
from vfr_bench.run.plan import WorkUnit
from vfr_bench.run.sample_record import audio_path, base_record, input_fields, response_fields, unit_fields

log = logging.getLogger(__name__)
TRACEBACK_LIMIT = 8


@dataclass(frozen=True)
class PreparedInput:
    """A sample's audio as the model receives it (decoded, checked, noise mixed in), or why it could
    not be had. The Ray driver prepares inputs and ships them, so workers need no access to the data."""

    audio: Audio | None = None
    transform: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    traceback: str | None = None


@dataclass(frozen=True)
class AudioOut:
    path: str  # relative to the run directory
    flac: bytes


@dataclass(frozen=True)
class Produced:
    """A sample's record, ready to append, and the generated audio it names."""

    record: SampleRecord
    audio: AudioOut | None = None


def prepare_input(sample: Sample) -> PreparedInput:
    """Load the sample's audio; a failure is that sample's error, with its traceback."""
    if not sample.audio:
        return PreparedInput()
    try:
        audio, transform = sample.load_audio()
    except Exception as err:
        return PreparedInput(error=error_text(err), traceback=traceback.format_exc(limit=TRACEBACK_LIMIT))
    return PreparedInput(audio, transform)


def model_info(adapter: Adapter) -> dict[str, Any]:
    """What the manifest records of a model: rate control, capabilities, and what its adapter says."""
    return {
        "rate_control": adapter.rate_control_for().describe(),
        "capabilities": sorted(adapter.capabilities),
        **adapter.describe(),
    }


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


class ModelUnits:
    """Runs the units of one model on its adapter. `on_loaded(name, info)` hears of each load (the
    runner checks the weights and backend against a resume and records them in the manifest)."""

    def __init__(
        self,
        adapter: Adapter,
        shard: str,
        warmup: int = 1,
        on_loaded: Callable[[str, dict[str, Any]], None] = lambda name, info: None,
    ):
        self.adapter = adapter
        self.shard = shard
        self.warmup = warmup
        self.on_loaded = on_loaded
        self.loaded = False
        self.load_error: str | None = None
        self.weights: str | None = None
        self._warm: set[tuple[str, str]] = set()  # (rate spec, task) cells warmed up

    def ensure_loaded(self) -> str | None:
        """Load the weights once; the model's own failure is returned (its samples record it), while
        AdapterUnavailable (the model cannot run on this machine at all) stops the run."""
        if self.loaded or self.load_error is not None:
            return self.load_error
        name = self.adapter.name
        try:
            self.adapter.load()
        except AdapterUnavailable:
            raise
        except Exception as err:
            self.load_error = f"model {name!r} failed to load: {error_text(err)}"
            log.warning(self.load_error)
            return self.load_error
        self.loaded = True
        info = model_info(self.adapter)
        self.weights = weights_fingerprint(info)
        self.on_loaded(name, info)
        return None

    def produce(
        self,
        unit: WorkUnit,
        fingerprints: Sequence[Fingerprint | None],
        inputs: Sequence[PreparedInput] | None = None,
    ) -> Iterator[Produced]:
        """Each sample of `unit`, in order: skipped where the model cannot run it, an error where it
        failed to load, else run. `inputs` are the samples' prepared audio (loaded here when None)."""
        refusal = refusal_for(self.adapter, unit)
        load_error = self.ensure_loaded() if refusal is None else None
        if refusal is None and load_error is None:
            self._warm_up(unit, inputs)
        for i, sample in enumerate(unit.samples):
            fingerprint = self._with_weights(fingerprints[i])
            if refusal is not None or load_error is not None:
                status: Status = "skipped" if refusal is not None else "error"
                record = base_record(self.adapter, unit, sample, self.shard, status, refusal or load_error, fingerprint)
                yield Produced(record)
                continue
            prepared = inputs[i] if inputs is not None else prepare_input(sample)
            yield self.run_sample(unit, sample, prepared, fingerprint)

    def not_run(
        self, unit: WorkUnit, samples: Sequence[Sample], fingerprints: Sequence[Fingerprint | None], reason: str
    ) -> list[Produced]:
        """Records of samples that could not be run (an error with `reason`; skipped where the model
        refuses the unit): the Ray driver's, for units its workers could not finish."""
        refusal = refusal_for(self.adapter, unit)
        status: Status = "skipped" if refusal is not None else "error"
        return [
            Produced(base_record(self.adapter, unit, s, self.shard, status, refusal or reason, self._with_weights(f)))
            for s, f in zip(samples, fingerprints)
        ]

    def _with_weights(self, fingerprint: Fingerprint | None) -> Fingerprint | None:
        return None if fingerprint is None else fingerprint.model_copy(update={"weights": self.weights})

    def _warm_up(self, unit: WorkUnit, inputs: Sequence[PreparedInput] | None) -> None:
        """Warm-up requests (not recorded) on the first sample whose audio loads, once per cell."""
        cell = (unit.spec.label, unit.task.name)
        if self.warmup <= 0 or cell in self._warm:
            return
        self._warm.add(cell)
        kind = unit.task.request_kind_for(self.adapter.capabilities)
        assert kind is not None, "a unit the model cannot answer is skipped, not warmed up"
        req_in, req_out = self.adapter.rate_control_for().resolve(unit.spec)
        for i, sample in enumerate(unit.samples):
            prepared = inputs[i] if inputs is not None else prepare_input(sample)
            try:
                if prepared.error is not None:
                    continue
                request = unit.task.build_request(kind, sample, prepared.audio, req_in, req_out)
            except Exception:
                continue
            for _ in range(self.warmup):
                try:
                    self.adapter.generate(request)
                except Exception as err:  # the sample itself will record the failure
                    log.warning("warm-up request failed (%s: %s)", type(err).__name__, err)
                    return
            self.adapter.synchronize()
            return

    def run_sample(
        self, unit: WorkUnit, sample: Sample, prepared: PreparedInput, fingerprint: Fingerprint | None
    ) -> Produced:
        """One timed request; any failure becomes this sample's error, with its traceback."""
        record = base_record(self.adapter, unit, sample, self.shard, "ok", fingerprint=fingerprint)
        if prepared.error is not None:
            return Produced(record.model_copy(update=_failed(prepared.error, prepared.traceback)))
        try:
            if prepared.audio is not None:
                record = record.model_copy(update=input_fields(prepared.audio, prepared.transform))
            kind = unit.task.request_kind_for(self.adapter.capabilities)
            assert kind is not None, "a unit the model cannot answer is skipped, not run"
            request = unit.task.build_request(
                kind, sample, prepared.audio, record.requested_input_hz, record.requested_output_hz
            )
            self.adapter.synchronize()
            start = monotonic()
            response = self.adapter.generate(request)
            self.adapter.synchronize()
            t_total = monotonic() - start
            if response.audio is not None and not response.audio_sample_rate:
                raise ValueError("adapter returned audio without its sample rate")
            rel = audio_path(unit, sample.id) if response.audio is not None else None
            fields = response_fields(record, response, t_total, str(rel) if rel else None)
            fields.update(unit_fields(self.adapter, record, response))
            audio = None
            if rel is not None and response.audio is not None:
                audio = AudioOut(str(rel), flac_bytes(response.audio, int(response.audio_sample_rate or 0)))
            return Produced(SampleRecord.model_validate({**record.model_dump(), **fields}), audio)
        except Exception as err:
            failed = _failed(error_text(err), traceback.format_exc(limit=TRACEBACK_LIMIT))
            return Produced(record.model_copy(update=failed))

    def close(self) -> None:
        if self.loaded:
            self.loaded = False
            self.adapter.close()


def _failed(message: str, trace: str | None) -> dict[str, Any]:
    return {"status": "error", "error": message, "traceback": trace}
