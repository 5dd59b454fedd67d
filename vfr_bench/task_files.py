"""Task files: one YAML file per suite, in `tasks/` or in a folder on $VFR_BENCH_TASK_PATH.

    name: asr                       # unique
    version: 1                      # bump when the task's meaning changes
    description: one line
    request: [asr]                  # request kinds, in order of preference
    data: builtin:read-speech-en    # default data source (vfr_bench.data.loaders); --data overrides it
    requires: [text]                # sample fields that must be present: text, question, answers
    metrics: [wer]                  # quality metrics (rate and latency are scored everywhere)
    prompt: optional text sent with each request (spoken QA instructions)
    noise: {kinds: [white, babble], snr_db: [20, 10, 5, 0], seed: 0}   # optional: one task per condition
    languages: [de, es]             # optional: one task per language
    modalities: [t2t, s2t, t2s, s2s]  # optional: one task per modality pair (spoken QA asked as text and speech)
    class: optional "module:Class", a Task subclass for tasks that build requests differently

Every key is checked when the file is read; a wrong one is reported with the file and key path.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from vfr_bench.data.loaders import parse_data_spec
from vfr_bench.data.noise_grid import NoiseGrid
from vfr_bench.protocol import RequestKind
from vfr_bench.registry import PluginError, Registry, UnknownName, resolve_target
from vfr_bench.strict_yaml import YamlError, load_yaml
from vfr_bench.task import Task, TaskError
from vfr_bench.validation import ConfigError, Strict, validate

TASK_PATH_ENV = "VFR_BENCH_TASK_PATH"


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class TaskFile(Strict):
    name: str
    version: int = 1
    description: str = ""
    request: list[RequestKind] = Field(min_length=1)
    data: Any
    requires: list[Literal["text", "question", "answers"]] = Field(default_factory=list)
    metrics: list[str] = Field(default_factory=list)
    prompt: str | None = None
    noise: NoiseGrid | None = None
    languages: list[str] = Field(default_factory=list)
    modalities: list[Literal["t2t", "s2t", "t2s", "s2s"]] = Field(default_factory=list)
    class_: str | None = Field(None, alias="class")

    _lists = field_validator("request", "requires", "metrics", "languages", mode="before")(_as_list)

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, names: list[str]) -> list[str]:
        from vfr_bench.metrics import get_metric

        for name in names:
            try:
                kind = get_metric(name).kind
            except UnknownName as err:
                raise ValueError(str(err)) from None
            if kind != "quality":
                raise ValueError(f"{name!r} is a {kind} metric, scored on every task anyway")
        return names


def load_task_file(path: Path) -> Task:
    try:
        raw = load_yaml(path)
    except YamlError as err:
        raise TaskError(str(err)) from None
    try:
        parsed = validate(TaskFile, raw, str(path))
        data = parse_data_spec(parsed.data, str(path))
    except (ConfigError, UnknownName) as err:
        raise TaskError(str(err)) from None
    cls = _task_class(parsed.class_, path) if parsed.class_ else Task
    return cls(
        name=parsed.name, version=parsed.version, description=parsed.description,
        request_kinds=tuple(parsed.request), data=data, requires=tuple(parsed.requires), metrics=tuple(parsed.metrics),
        prompt=parsed.prompt, path=str(path), noise_grid=parsed.noise, languages=tuple(parsed.languages),
        modalities=tuple(parsed.modalities),
    )  # fmt: skip


def _task_class(target: str, path: Path) -> type[Task]:
    try:
        cls = resolve_target(target, f"{path}: class")
    except PluginError as err:
        raise TaskError(str(err)) from None
    if not (isinstance(cls, type) and issubclass(cls, Task)):
        raise TaskError(f"{path}: class {target} is not a Task subclass")
    return cls


def task_dirs() -> list[Path]:
    dirs = [Path(str(files("vfr_bench.tasks")))]
    dirs += [Path(extra) for extra in os.environ.get(TASK_PATH_ENV, "").split(os.pathsep) if extra]
    return dirs


def task_registry() -> Registry[Task]:
    """Every task file, read now (a task folder may change between calls)."""

    def discover(registry: Registry[Task]) -> None:
        seen: dict[str, Path] = {}
        for folder in task_dirs():
            for path in sorted(folder.glob("*.yaml")):
                task = load_task_file(path)
                if task.name in seen:
                    raise TaskError(f"task {task.name!r} is defined twice: {seen[task.name]} and {path}")
                seen[task.name] = path
                registry.add(task.name, task, target=str(path), summary=task.description)

    return Registry("task", discover=discover, list_command="vfr-bench list tasks")


def all_tasks() -> dict[str, Task]:
    return dict(task_registry().items())


def get_task(name: str, registry: Registry[Task] | None = None) -> Task:
    try:
        return (registry or task_registry()).get(name)
    except UnknownName as err:
        raise TaskError(str(err)) from None
