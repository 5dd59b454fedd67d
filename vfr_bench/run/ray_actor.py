"""A Ray actor: one replica of one model. It makes the model's adapter where it runs (a worker process
in the model's own environment where the run names one), loads the weights once, and runs the units
the driver hands it one at a time, streaming back each sample's record the moment it is made.

It writes nothing: the driver is the run's one writer. A replica answers two calls. `load` returns
`Loaded`, or `LoadFailed` (the model's own load failed: the driver decides what becomes of the unit)
or `Unavailable` (the model cannot run on that node at all: the run stops). Only once the driver
holds that answer does it send units to `run_unit`, which streams one `Produced` per sample. A
`Loaded` streamed just ahead of the samples could be lost when the first sample kills the process
(Ray ships a stream's items asynchronously), and the driver would then take a sample's death for a
death while loading and charge the model instead of the sample. Nothing here imports Ray:
`actor_class` wraps the class when the Ray executor asks for it.
"""

from __future__ import annotations

import functools
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from vfr_bench.protocol import AdapterUnavailable
from vfr_bench.records import Fingerprint
from vfr_bench.run.fingerprint import code_version
from vfr_bench.run.model_source import ModelSource
from vfr_bench.run.model_units import ModelUnits, PreparedInput, Produced, error_text
from vfr_bench.run.plan import WorkUnit


@dataclass(frozen=True)
class UnitOrder:
    """A unit with its samples' prepared inputs (the driver reads the data; no node needs it) and
    the fingerprints their records carry."""

    unit: WorkUnit
    inputs: tuple[PreparedInput, ...]
    fingerprints: tuple[Fingerprint | None, ...]


@dataclass(frozen=True)
class Loaded:
    model: str
    info: dict[str, Any]  # model_info: what the manifest records, the inference backend included
    code: str  # the vfr-bench that runs on this node (code_version)
    host: str


@dataclass(frozen=True)
class LoadFailed:
    reason: str


@dataclass(frozen=True)
class Unavailable:
    reason: str


LoadEvent = Loaded | LoadFailed | Unavailable


class ModelActor:
    """One model replica (wrapped by `ray.remote` in `actor_class`)."""

    def __init__(self, source: ModelSource, shard: str, warmup: int):
        self.source = source
        self.shard = shard
        self.warmup = warmup
        self.units: ModelUnits | None = None
        self._loaded: list[Loaded] = []

    def where(self) -> tuple[str, int]:
        """(host, pid) of this replica's process."""
        return socket.gethostname(), os.getpid()

    def _model(self) -> ModelUnits:
        if self.units is None:
            adapter = self.source.create()

            def loaded(name: str, info: dict[str, Any]) -> None:
                self._loaded.append(Loaded(name, info, code_version(), socket.gethostname()))

            self.units = ModelUnits(adapter, self.shard, self.warmup, loaded)
        return self.units

    def load(self) -> list[LoadEvent]:
        """Make the adapter and load its weights once: `Loaded`, else `LoadFailed` or `Unavailable`."""
        try:
            units = self._model()
            load_error = units.ensure_loaded()
        except AdapterUnavailable as err:
            return [Unavailable(f"{err} (on the Ray worker at {socket.gethostname()})")]
        except Exception as err:  # the driver made this adapter; a node that cannot is unusable
            why = f"model {self.source.name!r} cannot be made on {socket.gethostname()}: {error_text(err)}"
            return [Unavailable(why)]
        events: list[LoadEvent] = [*self._loaded]
        self._loaded.clear()
        return [*events, LoadFailed(load_error)] if load_error is not None else events

    def run_unit(self, order: UnitOrder) -> Iterator[Produced]:
        """Run one unit of the loaded model; a generator, so each record reaches the driver as soon as it is made."""
        if self.units is None or not self.units.loaded:
            raise RuntimeError("run_unit was called before `load` loaded the model")
        yield from self.units.produce(order.unit, order.fingerprints, order.inputs)

    def close(self) -> None:
        """Free the model (and end its worker process, where it has one)."""
        if self.units is None:
            return
        self.units.close()
        from vfr_bench.isolation.remote import RemoteAdapter

        if isinstance(self.units.adapter, RemoteAdapter):
            self.units.adapter.close()


@functools.cache
def actor_class() -> Any:
    """ModelActor as a Ray actor class. A replica that dies is not restarted by Ray: the driver
    starts a fresh one and decides what becomes of the unit it was running."""
    import ray

    return ray.remote(max_restarts=0, max_task_retries=0)(ModelActor)
