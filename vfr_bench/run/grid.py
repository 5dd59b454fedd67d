"""The grid a run is about to measure, said before any work: models x rate specs (as parsed) x tasks
x samples = requests, then this shard's part and what a resume finds recorded already. The counts
are the planner's (vfr_bench.run.plan), over the data the run itself loads.

    grid: 2 models (a, b) x 2 rate specs (12.5 Hz, 4 Hz) x 2 tasks (asr, rate-fidelity) x 3 samples
    (--limit 3) = 24 requests
    shard 0/2: 13 of them; resume: 5 already recorded, 8 to run
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vfr_bench.data.loaders import describe_spec, load_dataset
from vfr_bench.data.sample import Dataset
from vfr_bench.progress import Progress
from vfr_bench.protocol import Adapter
from vfr_bench.rates import RateSpec
from vfr_bench.run.config import RunConfig
from vfr_bench.run.plan import Plan, plan_units
from vfr_bench.run.prepare import task_datasets
from vfr_bench.run.runner import Runner, stop_workers
from vfr_bench.run_dir import RunDirectory

Loader = Callable[[Any], Dataset]


def cached(loader: Loader = load_dataset) -> Loader:
    """`loader`, loading each data source once however often it is asked (the grid, then the run)."""
    seen: dict[str, Dataset] = {}

    def load(spec: Any) -> Dataset:
        key = describe_spec(spec)
        if key not in seen:
            seen[key] = loader(spec)
        return seen[key]

    return load


class AnnouncingRunner(Runner):
    """A Runner that says its grid once every model is created (an unknown or uninstalled model
    fails first) and before any work; `say` prints a line."""

    def __init__(self, config: RunConfig, progress: Progress, say: Callable[[str], None]):
        self.loader = cached()  # the grid's data, loaded once for the run too
        super().__init__(config, progress=progress, dataset_loader=self.loader)
        self.say = say

    def create_adapters(self) -> dict[str, Adapter]:
        adapters = super().create_adapters()
        try:
            for line in grid_lines(self.config, self.loader):
                self.say(line)
        except BaseException:
            stop_workers(adapters)
            raise
        return adapters


def grid_lines(config: RunConfig, loader: Loader) -> list[str]:
    """What the run will ask for, in words (one line, two when sharded or resuming)."""
    datasets = task_datasets(config.tasks, config.data, loader)
    recorded = RunDirectory(config.out, config.shard).samples() if config.resume else []
    done = {r.key for r in recorded if not (config.retry_errors and r.status == "error")}
    whole = plan_units(config.models, config.rate_specs, config.tasks, datasets, config.limit)
    mine = plan_units(config.models, config.rate_specs, config.tasks, datasets, config.limit, config.shard, done)
    lines = [describe(config, datasets, whole)]
    part = []
    if config.shard[1] > 1:
        part.append(f"shard {config.shard_label}: {mine.in_grid} of them")
    if config.resume:
        retried = " (errors recorded are run again)" if config.retry_errors else ""
        part.append(f"resume: {mine.already_recorded} already recorded, {mine.pending} to run{retried}")
    if part:
        lines.append("; ".join(part))
    return lines


def describe(config: RunConfig, datasets: dict[str, Dataset], whole: Plan) -> str:
    models = named(config.models, "model")
    rates = named([rate_words(s) for s in config.rate_specs], "rate spec")
    tasks = named([t.name for t in config.tasks], "task")
    sizes = {t.name: len(datasets[t.name].samples) for t in config.tasks}
    chosen = {name: min(n, config.limit or n) for name, n in sizes.items()}
    cut = f" (--limit {config.limit})" if chosen != sizes else ""
    groups: dict[int, list[str]] = {}
    for name, n in chosen.items():
        groups.setdefault(n, []).append(name)
    if len(groups) == 1:
        n = next(iter(groups))
        samples = f"{n} sample{'s' * (n != 1)}{cut}"
    else:  # tasks of different sizes: how many each
        each = [f"{n} for {names[0] if len(names) == 1 else named(names, 'task', 3)}" for n, names in groups.items()]
        samples = f"samples ({'; '.join(each)}){cut}"
    requests = f"{whole.in_grid} request{'s' * (whole.in_grid != 1)}"
    return f"grid: {models} x {rates} x {tasks} x {samples} = {requests}"


def rate_words(spec: RateSpec) -> str:
    return spec.label if spec.is_native else f"{spec.label} Hz"


def named(items: list[str], unit: str, most: int = 4) -> str:
    """'2 models (a, b)'; past `most` names the first and the last."""
    shown = items if len(items) <= most else [*items[: most - 1], "...", items[-1]]
    return f"{len(items)} {unit}{'s' * (len(items) != 1)} ({', '.join(shown)})"
