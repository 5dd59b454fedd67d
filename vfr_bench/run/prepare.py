"""Each task's samples as a run sees them: its data source loaded once per distinct source, kept to
the task's language, mixed with the task's noise condition, and cut to a deterministic subset."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from vfr_bench.data.loaders import describe_spec, load_dataset
from vfr_bench.data.manifest import ManifestError, content_hash
from vfr_bench.data.noise_grid import with_noise
from vfr_bench.data.sample import Dataset, Sample
from vfr_bench.task import Task


def task_datasets(
    tasks: list[Task], data_override: Any = None, loader: Callable[[Any], Dataset] = load_dataset
) -> dict[str, Dataset]:
    """task name -> its Dataset; `data_override` (a `--data` manifest) replaces every task's own data."""
    loaded: dict[str, Dataset] = {}
    out = {}
    for task in tasks:
        spec = data_override or task.data
        key = describe_spec(spec)
        if key not in loaded:
            loaded[key] = loader(spec)
        ds = loaded[key]
        if task.language:
            samples = tuple(s for s in ds.samples if s.language == task.language)
            if not samples:
                raise ValueError(f"task {task.name!r}: the data holds no samples in language {task.language!r}")
            ds = replace(ds, name=f"{ds.name}@{task.language}", samples=samples, content_hash=content_hash(samples))
        out[task.name] = with_noise(ds, task.noise) if task.noise else ds
    return out


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


def check_requirements(tasks: list[Task], datasets: dict[str, Dataset]) -> None:
    """Refuse to start where a task's data lacks a field the task requires (a manifest without `text`
    for `asr` would start and fail every sample): name the task, the field and the samples."""
    problems = []
    for task in tasks:
        for field in task.requires:
            lacking = [s.id for s in datasets[task.name].samples if not getattr(s, field)]
            if lacking:
                shown = ", ".join(lacking[:3]) + (", ..." if len(lacking) > 3 else "")
                problems.append(f"task {task.name!r} requires {field!r}, which {len(lacking)} sample(s) lack ({shown})")
    if problems:
        raise ManifestError("the data cannot serve its tasks: " + "; ".join(problems))
