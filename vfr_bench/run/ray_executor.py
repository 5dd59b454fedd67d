"""The Ray executor: the planner's work units spread over model replicas on a Ray cluster.

    driver (this process)                                  Ray cluster
    plan -> units per model --- UnitOrder (unit, inputs) ---> replica of model A (loads once)
         <- Loaded, Produced (record + FLAC) per sample ----- replica of model A
    RunDirectory: the one writer (fsync, locks, resume)      replica of model B ...

One actor per model replica loads its model once and takes that model's units one at a time until
none are left; a replica whose model has nothing left makes room for another model's. The driver
reads the data (so no node needs it), and every record streams back to it and is appended through
the run directory exactly as a local run appends it: a Ray run and a local one, or a resume of
either by the other, make the same run directory. Units the model refuses are recorded here as
skipped without starting a replica. A replica that dies has its unfinished samples re-queued
(vfr_bench/run/ray_schedule.py); a replica whose model fails to load gives its unit back, and the
model's samples are errors with the reason only when no replica of it could load.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vfr_bench.data.sample import Sample
from vfr_bench.progress import SILENT, Progress
from vfr_bench.protocol import Adapter, AdapterUnavailable
from vfr_bench.records import Fingerprint, SampleKey
from vfr_bench.run.config import RayOptions
from vfr_bench.run.execute import OnLoaded, write_produced
from vfr_bench.run.fingerprint import code_version, weights_fingerprint
from vfr_bench.run.model_source import ModelSource
from vfr_bench.run.model_units import ModelUnits, Produced, prepare_input, refusal_for
from vfr_bench.run.plan import WorkUnit
from vfr_bench.run.ray_actor import Loaded, LoadFailed, Unavailable, UnitOrder
from vfr_bench.run.ray_cluster import (
    connected,
    failure_words,
    is_ray_error,
    replica_slots,
    start_replica,
    stop_replica,
)
from vfr_bench.run.ray_schedule import GiveUp, Schedule
from vfr_bench.run_dir import RunDirectory

log = logging.getLogger(__name__)
WAIT_S = 30.0  # how long the driver waits for any replica before it says what it is waiting for
HUNG_MARGIN_S = 5.0


@dataclass(eq=False)
class Replica:
    model: str
    handle: Any  # the Ray actor
    unit: WorkUnit | None = None  # the unit in flight
    stream: Any = None  # its unit's ObjectRefGenerator; until its model loaded, the ObjectRef of its `load`
    recorded: set[str] = field(default_factory=set)  # sample ids of the unit in flight recorded
    counts: Counter[str] = field(default_factory=Counter)
    placed: Any = None  # an ObjectRef ready once Ray has placed the actor and made it
    last: float = 0.0  # monotonic time of its unit's dispatch or its last record: a hung replica is stopped
    loaded: bool = False  # its model loaded: the driver holds its `load`'s answer, Loaded


class RayExecutor:
    def __init__(
        self,
        run: RunDirectory,
        sources: dict[str, ModelSource],
        options: RayOptions,
        warmup: int = 1,
        progress: Progress = SILENT,
        on_loaded: OnLoaded = lambda name, info: None,
        fingerprint: Callable[[WorkUnit, Sample], Fingerprint] | None = None,
    ):
        self.run = run
        self.sources = sources
        self.options = options
        self.warmup = warmup
        self.progress = progress
        self.on_loaded = on_loaded
        self.fingerprint = fingerprint
        self.shard = f"{run.shard[0]}/{run.shard[1]}"

    def execute(self, units: list[WorkUnit], adapters: dict[str, Adapter]) -> Counter[str]:
        """Run every unit; returns how many samples ended ok, error and skipped. `adapters` are this
        process's (not loaded): they say what a model refuses and make the records of samples that
        no replica could run."""
        writer = Writer(self.run, self.progress, {n: ModelUnits(a, self.shard) for n, a in adapters.items()})
        runnable = []
        for unit in units:
            if refusal_for(adapters[unit.model], unit) is None:
                runnable.append(unit)
            else:  # recorded as skipped with the model's refusal, no replica started
                writer.give_up([GiveUp(unit, unit.samples, "")], self._fingerprints)
        if runnable:
            with connected(self.options):
                Dispatch(self, writer, runnable).run()
        return writer.counts

    def _fingerprints(self, unit: WorkUnit, samples: tuple[Sample, ...]) -> tuple[Fingerprint | None, ...]:
        return tuple(self.fingerprint(unit, s) if self.fingerprint else None for s in samples)


class Writer:
    """The driver's side of records: each appended once, through the run directory."""

    def __init__(self, run: RunDirectory, progress: Progress, models: dict[str, ModelUnits]):
        self.run = run
        self.progress = progress
        self.models = models  # this process's adapters, for records of samples no replica ran
        self.counts: Counter[str] = Counter()
        self.written: set[SampleKey] = set()

    def write(self, produced: Produced) -> bool:
        """Append a record; False (and nothing written) for a key this session has recorded already."""
        key = produced.record.key
        if key in self.written:
            log.warning("a second record of %s reached the driver and was dropped", "/".join(map(str, key)))
            return False
        write_produced(self.run, produced)
        self.written.add(key)
        self.counts[produced.record.status] += 1
        return True

    def give_up(self, given_up: list[GiveUp], fingerprints: Callable[..., tuple[Fingerprint | None, ...]]) -> None:
        """Records of samples no replica will run: errors with the reason (skipped where refused)."""
        for item in given_up:
            model = self.models[item.unit.model]
            records = model.not_run(item.unit, item.samples, fingerprints(item.unit, item.samples), item.reason)
            self.progress.start(("given up", item.unit), item.unit.label, len(records))
            counts: Counter[str] = Counter()
            for produced in records:
                if self.write(produced):
                    counts[produced.record.status] += 1
                    self.progress.advance(("given up", item.unit), produced.record.status)
            self.progress.finish(("given up", item.unit), counts)


class Dispatch:
    """One Ray run: replicas started on free slots, units handed out, records taken in as they come."""

    def __init__(self, executor: RayExecutor, writer: Writer, units: list[WorkUnit]):
        self.ex = executor
        self.writer = writer
        self.schedule = Schedule(units, executor.options.unit_retries)
        self.slots = replica_slots(executor.options)
        self.replicas: list[Replica] = []
        self.load_failed: dict[str, str] = {}  # model -> why a replica of it could not load
        self.backend: dict[str, Any] = {}  # model -> the backend its first replica loaded with
        self.code = code_version()

    def run(self) -> None:
        import ray

        finished = False
        try:
            while not self.schedule.done():
                self._fill()
                streams = {id(r.stream): r for r in self.replicas if r.stream is not None}
                if not streams:  # _fill gave up what no replica can run, or something is wrong here
                    assert self.schedule.done(), "units wait but no Ray worker runs or can start"
                    break
                patience = min([WAIT_S, *(self._deadline(r) for r in streams.values())])
                ready, _ = ray.wait([r.stream for r in streams.values()], num_returns=1, timeout=patience)
                if not ready:
                    self._waiting()
                for stream in ready:
                    self._step(streams[id(stream)])
                self._stop_hung()
            finished = True
        finally:  # at the end each replica frees its model; after a failure (or Ctrl-C) they are ended at once
            for replica in list(self.replicas):
                self._stop(replica, alive=finished)

    def _deadline(self, replica: Replica) -> float:
        """Seconds a loaded replica may go without a record: --worker-timeout, as a local model worker's
        request (a model in its own environment is stopped by its worker first, so a little more)."""
        source = self.ex.sources[replica.model]
        return source.worker_timeout + (HUNG_MARGIN_S if source.env_python else 0.0)

    def _stop_hung(self) -> None:
        """A loaded replica silent past its deadline is hung: stopped, its sample charged as a death."""
        now = time.monotonic()
        for replica in list(self.replicas):
            if replica.unit is not None and replica.loaded and now - replica.last > self._deadline(replica):
                timeout = self.ex.sources[replica.model].worker_timeout
                self._lost(replica, f"no record within --worker-timeout {timeout:g} s; the worker was stopped")

    def _waiting(self) -> None:
        """Nothing came back for WAIT_S. A replica Ray has not placed (the cluster is full: other jobs,
        or more replicas asked for than it holds) gives its unit back where an idle replica of its
        model can run it; else say what is missing."""
        import ray

        refs = [r.placed for r in self.replicas]
        _, waiting = ray.wait(refs, num_returns=len(refs), timeout=0) if refs else ([], [])
        unplaced = [r for r in self.replicas if r.placed in set(waiting)]
        idle_models = {r.model for r in self._idle()}
        for replica in unplaced:
            if replica.unit is not None and replica.model in idle_models:
                self.schedule.put_back(replica.unit)
                self.ex.progress.finish(replica.unit, replica.counts)
                replica.unit = replica.stream = None
                self._stop(replica, alive=False)
        if unplaced:
            gpus = f" and {self.ex.options.gpus_per_worker:g} GPU" if self.ex.options.gpus_per_worker else ""
            log.warning("%d Ray worker(s) not started after %g s: does the cluster have 1 CPU%s free for each?",
                        len(unplaced), WAIT_S, gpus)  # fmt: skip

    # ---- replicas and units ---------------------------------------------------------------------

    def _fill(self) -> None:
        """Idle replicas take their model's next unit; idle ones no model needs make room; free
        slots start replicas of the models with units waiting, in plan order."""
        for replica in self._idle():
            unit = self.schedule.take(replica.model)
            if unit is not None:
                self._dispatch(replica, unit)
        waiting = self.schedule.waiting()
        for replica in self._idle():  # its model has nothing waiting
            others_wait = any(m != replica.model for m in waiting) and len(self.replicas) >= self.slots
            if not self.schedule.in_flight(replica.model) or others_wait:  # else it may take a re-queued unit
                self._stop(replica, alive=True)
        for model in waiting:
            live = [r for r in self.replicas if r.model == model]
            if model in self.load_failed:
                if not live:  # no replica of it could load: its samples are errors with the reason
                    self.writer.give_up(self.schedule.drop(model, self.load_failed[model]), self.ex._fingerprints)
                continue
            while len(self.replicas) < self.slots and self.schedule.count(model):
                args = (self.ex.sources[model], self.ex.shard, self.ex.warmup)
                replica = Replica(model, start_replica(self.ex.options, *args))
                replica.placed = replica.handle.where.remote()  # before its first unit: ready once it exists
                self.replicas.append(replica)
                unit = self.schedule.take(model)
                assert unit is not None
                self._dispatch(replica, unit)

    def _idle(self) -> list[Replica]:
        return [r for r in self.replicas if r.unit is None]

    def _dispatch(self, replica: Replica, unit: WorkUnit) -> None:
        """Give the replica a unit: sent at once where its model loaded, else after the answer of its
        `load` (ray_actor.py says why the two are separate calls)."""
        replica.unit, replica.recorded, replica.counts = unit, set(), Counter()
        self.ex.progress.start(unit, unit.label, len(unit.samples))
        if replica.loaded:
            self._send(replica)
        else:
            replica.stream = replica.handle.load.remote()

    def _send(self, replica: Replica) -> None:
        unit = replica.unit
        assert unit is not None and replica.loaded
        inputs = tuple(prepare_input(s) for s in unit.samples)  # read here: no node needs the data
        order = UnitOrder(unit, inputs, self.ex._fingerprints(unit, unit.samples))
        replica.stream = replica.handle.run_unit.remote(order)
        replica.last = time.monotonic()

    def _stop(self, replica: Replica, alive: bool) -> None:
        self.replicas.remove(replica)
        stop_replica(replica.handle, alive)

    # ---- what comes back ------------------------------------------------------------------------

    def _step(self, replica: Replica) -> None:
        """Take the answer of the replica's `load`, or one item of its unit's stream."""
        import ray

        replica.last = time.monotonic()
        loading = not replica.loaded
        try:
            events = ray.get(replica.stream) if loading else [ray.get(next(replica.stream))]
        except StopIteration:
            self._unit_done(replica)
            return
        except Exception as err:
            if not is_ray_error(err):
                raise
            self._lost(replica, failure_words(err))
            return
        for event in events:
            if isinstance(event, Produced):
                self._record(replica, event)
            elif isinstance(event, Loaded):
                self._loaded(replica, event)
            elif isinstance(event, LoadFailed):
                self._load_failed(replica, event.reason)
            elif isinstance(event, Unavailable):
                raise AdapterUnavailable(event.reason)
        if loading and replica.unit is not None:  # not given back as a load failure
            if not replica.loaded:
                raise RuntimeError(f"a Ray worker of {replica.model!r} answered its load with {events!r}")
            self._send(replica)

    def _record(self, replica: Replica, produced: Produced) -> None:
        assert replica.unit is not None
        if self.writer.write(produced):
            replica.recorded.add(produced.record.sample_id)
            replica.counts[produced.record.status] += 1
            self.ex.progress.advance(replica.unit, produced.record.status)

    def _loaded(self, replica: Replica, event: Loaded) -> None:
        """A replica loaded its model: the same vfr-bench and backend as the rest, then the runner's checks."""
        from vfr_bench.backend_info import resume_conflict

        if event.code != self.code:
            raise AdapterUnavailable(
                f"the Ray worker on {event.host} runs vfr-bench {event.code}, this driver {self.code}: "
                "install the same vfr-bench on every node"
            )
        backend = event.info.get("backend")
        first = self.backend.setdefault(event.model, backend)
        conflict = resume_conflict(first, backend)
        if conflict:
            raise AdapterUnavailable(
                f"model {event.model!r} computes differently on {event.host} than on its first Ray worker: {conflict}; "
                "run it on one kind of node"
            )
        self.ex.on_loaded(event.model, event.info)
        self.writer.models[event.model].weights = weights_fingerprint(event.info)  # for records made here
        replica.loaded = True
        self.schedule.loaded(event.model)

    def _unit_done(self, replica: Replica) -> None:
        unit = replica.unit
        assert unit is not None
        missing = [s for s in unit.samples if s.id not in replica.recorded]
        if missing:  # a stream that ended short is treated as a worker lost under it
            self._lost(replica, "the Ray worker ended the unit without recording every sample")
            return
        self.schedule.finished(unit)
        self.ex.progress.finish(unit, replica.counts)
        replica.unit = replica.stream = None

    def _lost(self, replica: Replica, reason: str) -> None:
        """The replica died (or its unit failed inside Ray): what it recorded stays, the rest is re-queued."""
        unit = replica.unit
        assert unit is not None
        remaining = [s for s in unit.samples if s.id not in replica.recorded]
        log.warning("a Ray worker of %s died (%s); %d sample(s) of its unit go back in the queue", unit.model,
                    reason, len(remaining))  # fmt: skip
        self.ex.progress.finish(unit, replica.counts)
        why = f"the Ray worker running it died ({reason})"
        self._stop(replica, alive=False)
        if not replica.loaded and any(r.loaded for r in self.replicas if r.model == unit.model):
            # it died loading while others of its model run: they take its units, and no new replica
            # of that model is started (one that cannot load here would die again)
            self.load_failed.setdefault(unit.model, why)
            self.schedule.put_back(unit, remaining)
            return
        self.writer.give_up(self.schedule.lost(unit, remaining, why, replica.loaded), self.ex._fingerprints)

    def _load_failed(self, replica: Replica, reason: str) -> None:
        """Its model would not load on this replica: the unit goes back for another replica (or, with
        none left that loaded, its samples record the reason, as a local run's would)."""
        assert replica.unit is not None
        self.load_failed.setdefault(replica.model, reason)
        self.schedule.put_back(replica.unit)
        self.ex.progress.finish(replica.unit, replica.counts)
        replica.unit = replica.stream = None
        self._stop(replica, alive=True)
