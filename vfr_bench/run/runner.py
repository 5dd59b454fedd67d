"""A run: prepare each task's data, create the adapters, plan the grid, execute it, record the session.

    data (tasks, --data) -> task_datasets -> plan_units -> executor -> samples.jsonl
                                                                    -> manifest.json (a session)
Every model is created before any work, so an unknown name or option fails first; loading the
weights waits until a unit needs them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfr_bench.data.loaders import load_dataset
from vfr_bench.data.sample import Dataset, Sample
from vfr_bench.metrics import metrics_for_task
from vfr_bench.models import ModelRegistry
from vfr_bench.progress import SILENT, Progress
from vfr_bench.protocol import Adapter
from vfr_bench.records import Fingerprint, SampleKey, SampleRecord, Session, TaskInfo
from vfr_bench.run.config import RunConfig
from vfr_bench.run.execute import LocalExecutor, OnLoaded
from vfr_bench.run.fingerprint import (
    Expected,
    check_backend,
    check_resume,
    check_weights,
    code_version,
    model_fingerprint,
    task_fingerprint,
    weights_fingerprint,
)
from vfr_bench.run.model_source import ModelSource
from vfr_bench.run.model_units import model_info
from vfr_bench.run.plan import Plan, WorkUnit, plan_units
from vfr_bench.run.prepare import check_requirements, task_datasets
from vfr_bench.run.session import begin_session, finish_session, record_model
from vfr_bench.run_dir import RunDirectory

if TYPE_CHECKING:
    from vfr_bench.run.ray_executor import RayExecutor


@dataclass
class RunOutcome:
    """What this session did, and where the run (this shard's grid, earlier sessions included) stands."""

    run_dir: Path
    ok: int = 0
    error: int = 0
    skipped: int = 0
    already_recorded: int = 0
    in_run: Counter[str] = field(default_factory=Counter)  # latest status of every sample in the grid
    reasons: list[tuple[str, int, str]] = field(default_factory=list)  # (status, samples, reason), most first

    @property
    def failed(self) -> bool:
        """Some sample of the run is an error: this session's or an earlier one not retried."""
        return self.in_run["error"] > 0

    @property
    def measured_nothing(self) -> bool:
        """No sample of the grid ran: every one was skipped (a rate no model can run, say)."""
        return self.in_run["ok"] == 0 and self.in_run["error"] == 0 and self.in_run["skipped"] > 0


class Runner:
    def __init__(
        self,
        config: RunConfig,
        registry: ModelRegistry | None = None,
        progress: Progress = SILENT,
        dataset_loader: Callable[[Any], Dataset] = load_dataset,
    ):
        self.config = config
        self.registry = registry or ModelRegistry()
        self.given_registry = registry  # what Ray workers make models from (None: their own built-in one)
        self.progress = progress
        self.dataset_loader = dataset_loader

    def create_adapters(self) -> dict[str, Adapter]:
        """Every model instantiated (not loaded), locally or as a worker in its own environment."""
        adapters: dict[str, Adapter] = {}
        try:
            self._create(adapters)
        except BaseException:
            stop_workers(adapters)  # those started before the one that failed
            raise
        return adapters

    def _create(self, adapters: dict[str, Adapter]) -> None:
        for name in self.config.models:
            adapters[name] = self.source(name, self.registry).create()  # a bad option or environment fails now

    def source(self, name: str, registry: ModelRegistry | None) -> ModelSource:
        """How model `name` is made, here or on a Ray worker."""
        cfg = self.config
        python = None
        if name in cfg.model_envs:
            from vfr_bench.isolation.envs import env_python

            python = env_python(cfg.model_envs[name])
        options = cfg.model_options.get(name, {})
        return ModelSource(name, cfg.device, options, python, cfg.worker_timeout, registry)

    def run(self) -> RunOutcome:
        if self.config.executor == "ray":
            from vfr_bench.run.ray_cluster import require_ray, require_reachable

            require_ray()  # before any data is read or model made
            require_reachable(self.config.ray.address)
        datasets = task_datasets(self.config.tasks, self.config.data, self.dataset_loader)
        check_requirements(self.config.tasks, datasets)
        adapters = self.create_adapters()
        try:
            return self._run(adapters, datasets)
        finally:
            stop_workers(adapters)

    def _run(self, adapters: dict[str, Adapter], datasets: dict[str, Dataset]) -> RunOutcome:
        cfg = self.config
        run = RunDirectory(cfg.out, cfg.shard)
        run.open(resume=cfg.resume)
        try:
            recorded = run.samples()
            grid = plan_units(cfg.models, cfg.rate_specs, cfg.tasks, datasets, cfg.limit, cfg.shard)
            prints = self._fingerprints(grid, adapters)
            options = {n: a.config for n, a in adapters.items()}
            previous = run.read_manifest()
            check_resume(recorded, prints, previous, options, str(cfg.out))
            session = self._begin(run, adapters, datasets)
            try:
                done = {r.key for r in recorded if not (cfg.retry_errors and r.status == "error")}
                plan = plan_units(
                    cfg.models, cfg.rate_specs, cfg.tasks, datasets, cfg.limit, cfg.shard, done, cfg.block_size
                )

                def loaded(name: str, info: dict[str, Any]) -> None:
                    check_backend(recorded, name, previous.models.get(name) if previous else None, info, str(cfg.out))
                    record_model(run, name, info)
                    check_weights(recorded, name, weights_fingerprint(info), str(cfg.out))

                executor = self._executor(run, loaded, lambda u, s: prints[key(u, s)])
                with self._scoring(run):
                    counts = executor.execute(plan.units, adapters)
            except BaseException:
                with suppress(OSError):  # a disk that is full now must not hide the fault that stopped the run
                    finish_session(run, session)
                raise
            finish_session(run, session)
            latest = [r for r in run.samples() if r.key in prints]
        finally:
            run.close()
        return RunOutcome(
            cfg.out, counts["ok"], counts["error"], counts["skipped"], plan.already_recorded,
            Counter(r.status for r in latest), reasons(latest),
        )  # fmt: skip

    def _executor(
        self, run: RunDirectory, loaded: OnLoaded, fingerprint: Callable[[WorkUnit, Sample], Fingerprint]
    ) -> LocalExecutor | RayExecutor:
        cfg = self.config
        if cfg.executor == "ray":
            from vfr_bench.run.ray_executor import RayExecutor

            sources = {n: self.source(n, self.given_registry) for n in cfg.models}
            return RayExecutor(run, sources, cfg.ray, cfg.warmup, self.progress, loaded, fingerprint)
        return LocalExecutor(run, cfg.warmup, self.progress, loaded, fingerprint)

    def _scoring(self, run: RunDirectory) -> AbstractContextManager[Any]:
        """Scoring beside the executor, where the run asks for it (vfr_bench/scoring/overlap.py)."""
        if self.config.overlap_scoring is None:
            return nullcontext()
        from vfr_bench.scoring.overlap import OverlapScorer

        return OverlapScorer(run.path, run.shard, self.config.overlap_scoring)

    def _fingerprints(self, grid: Plan, adapters: dict[str, Adapter]) -> dict[SampleKey, Fingerprint]:
        """What would make each sample of the grid's records: checked against what a resume finds."""
        expected = Expected(
            models={n: model_fingerprint(n, a.config) for n, a in adapters.items()},
            tasks={t.name: task_fingerprint(t) for t in self.config.tasks},
            code=code_version(),
        )
        return {key(u, s): expected.for_sample(u.model, u.task, s) for u in grid.units for s in u.samples}

    def _begin(self, run: RunDirectory, adapters: dict[str, Adapter], datasets: dict[str, Dataset]) -> Session:
        cfg = self.config
        return begin_session(
            run, argv=cfg.argv, resume=cfg.resume, settings=cfg.settings,
            models={n: model_info(a) for n, a in adapters.items()},
            rate_specs=[s.label for s in cfg.rate_specs],
            tasks={
                t.name: TaskInfo(**t.describe(), dataset=datasets[t.name].describe(), limit=cfg.limit)
                for t in cfg.tasks
            },
            metrics={m.name: m.describe() for t in cfg.tasks for m in metrics_for_task(t.metrics)},
            kind="run", device=cfg.device, seed=cfg.seed, warmup_requests_per_cell=cfg.warmup,
        )  # fmt: skip


def key(unit: WorkUnit, sample: Sample) -> SampleKey:
    return SampleKey(unit.model, unit.spec.label, unit.task.name, sample.id)


def reasons(records: list[SampleRecord], most: int = 3) -> list[tuple[str, int, str]]:
    """The commonest reasons samples were skipped or failed: (status, how many, reason)."""
    counted = Counter((r.status, r.error or "") for r in records if r.status != "ok")
    return [(status, n, reason) for (status, reason), n in counted.most_common(most)]


def stop_workers(adapters: dict[str, Adapter]) -> None:
    """End every model worker (a process and a temporary folder each), loaded or not, used or not."""
    from vfr_bench.isolation.remote import RemoteAdapter

    for adapter in adapters.values():
        if isinstance(adapter, RemoteAdapter):
            adapter.close()
