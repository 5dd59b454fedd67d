"""A run: prepare each task's data, create the adapters, plan the grid, execute it, record the session.

    data (tasks, --data) -> task_datasets -> plan_units -> executor -> samples.jsonl
                                                                    -> manifest.json (a session)
Every model is created before any work, so an unknown name or option fails first; loading the
weights waits until a unit needs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vfr_bench.data.loaders import load_dataset
from vfr_bench.data.prepare import task_datasets
from vfr_bench.data.sample import Dataset
from vfr_bench.metrics import metrics_for_task
from vfr_bench.models import ModelRegistry
from vfr_bench.progress import SILENT, Progress
from vfr_bench.protocol import Adapter
from vfr_bench.records import TaskInfo
from vfr_bench.run.config import RunConfig
from vfr_bench.run.execute import LocalExecutor
from vfr_bench.run.plan import plan_units
from vfr_bench.run.session import begin_session, finish_session, record_model
from vfr_bench.run_dir import RunDirectory


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


def model_info(adapter: Adapter) -> dict[str, Any]:
    """What the manifest records of a model: rate control, capabilities, and what its adapter says."""
    return {
        "rate_control": adapter.rate_control_for().describe(),
        "capabilities": sorted(adapter.capabilities),
        **adapter.describe(),
    }


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
        self.progress = progress
        self.dataset_loader = dataset_loader

    def create_adapters(self) -> dict[str, Adapter]:
        """Every model instantiated (not loaded), locally or as a worker in its own environment."""
        adapters: dict[str, Adapter] = {}
        for name in self.config.models:
            options = self.config.model_options.get(name, {})
            if name in self.config.model_envs:
                from vfr_bench.isolation.envs import env_python
                from vfr_bench.isolation.remote import RemoteAdapter

                self.registry.entry(name)  # an unknown name fails here, not in the worker
                remote = RemoteAdapter(name, env_python(self.config.model_envs[name]), self.config.device, options)
                remote.start()  # a bad option or environment fails now
                adapters[name] = remote
                continue
            adapters[name] = self.registry.create(name, device=self.config.device, options=options)
            adapters[name].check_available()
        return adapters

    def run(self) -> RunOutcome:
        cfg = self.config
        datasets = task_datasets(cfg.tasks, cfg.data, self.dataset_loader)
        adapters = self.create_adapters()
        run = RunDirectory(cfg.out, cfg.shard)
        run.open(resume=cfg.resume)
        try:
            session = begin_session(
                run, argv=cfg.argv, resume=cfg.resume, models={n: model_info(a) for n, a in adapters.items()},
                rate_specs=[s.label for s in cfg.rate_specs],
                tasks={
                    t.name: TaskInfo(**t.describe(), dataset=datasets[t.name].describe(), limit=cfg.limit)
                    for t in cfg.tasks
                },
                metrics={m.name: m.describe() for t in cfg.tasks for m in metrics_for_task(t.metrics)},
                kind="run", device=cfg.device, seed=cfg.seed, warmup_requests_per_cell=cfg.warmup,
            )  # fmt: skip
            try:
                plan = plan_units(
                    cfg.models, cfg.rate_specs, cfg.tasks, datasets, cfg.limit, cfg.shard, run.recorded_keys()
                )
                executor = LocalExecutor(
                    run, cfg.warmup, self.progress, lambda n, a: record_model(run, n, model_info(a))
                )
                counts = executor.execute(plan.units, adapters)
            finally:
                finish_session(run, session)
        finally:
            run.close()
        return RunOutcome(cfg.out, counts["ok"], counts["error"], counts["skipped"], plan.already_recorded)
